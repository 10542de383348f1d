package pspfake

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a fake PSP. The zero value is not usable; call New.
type Server struct {
	apiKey string

	mu        sync.Mutex
	intents   map[string]*intent
	refunds   map[string]*refundRec
	transfers map[string]*transferRec
	idem      map[string]*storedResponse // by Idempotency-Key
	keyLocks  map[string]*sync.Mutex

	latency      atomic.Int64 // nanoseconds added to every request
	failBefore   atomic.Int64 // answer this many next requests with failStatus, doing nothing
	failAfter    atomic.Int64 // process this many next requests, then answer 500 (lost response)
	failStatus   atomic.Int64
	hangMu       sync.Mutex
	hangCh       chan struct{} // non-nil while hanging; closed by Hang(false)
	requests     atomic.Int64
	authorizes   atomic.Int64 // authorizations performed (not replays)
	captures     atomic.Int64 // captures performed (not replays)
	cancels      atomic.Int64
	refundCount  atomic.Int64
	transferCnt  atomic.Int64
	replays      atomic.Int64
	capturedSum  atomic.Int64
	declineBySum map[int64]string // amount → decline code, for tests that decline by amount
}

// Option configures a Server.
type Option func(*Server)

// WithAPIKey makes the server require "Authorization: Bearer key"; default: any key.
func WithAPIKey(key string) Option { return func(s *Server) { s.apiKey = key } }

// New returns a fake PSP.
func New(opts ...Option) *Server {
	s := &Server{
		intents:      map[string]*intent{},
		refunds:      map[string]*refundRec{},
		transfers:    map[string]*transferRec{},
		idem:         map[string]*storedResponse{},
		keyLocks:     map[string]*sync.Mutex{},
		declineBySum: map[int64]string{},
	}
	s.failStatus.Store(http.StatusInternalServerError)
	for _, o := range opts {
		o(s)
	}
	return s
}

// SetLatency delays every response by d (0: none).
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// FailNext answers the next n requests with status (e.g. 500, 503, 429) without doing
// anything: the request never reached the PSP's core.
func (s *Server) FailNext(n int, status int) {
	s.failStatus.Store(int64(status))
	s.failBefore.Store(int64(n))
}

// LoseNextResponses processes the next n requests, stores their responses under their
// idempotency keys, and answers 500 instead: the effect happened but the caller did not
// hear about it (a timeout or a dropped connection in real life).
func (s *Server) LoseNextResponses(n int) { s.failAfter.Store(int64(n)) }

// Hang makes the server hold every request until the client gives up (true), or answer
// again, releasing the held requests (false).
func (s *Server) Hang(on bool) {
	s.hangMu.Lock()
	defer s.hangMu.Unlock()
	switch {
	case on && s.hangCh == nil:
		s.hangCh = make(chan struct{})
	case !on && s.hangCh != nil:
		close(s.hangCh)
		s.hangCh = nil
	}
}

func (s *Server) hanging() <-chan struct{} {
	s.hangMu.Lock()
	defer s.hangMu.Unlock()
	return s.hangCh
}

// DeclineAmount makes authorizations of exactly amount minor units decline with code
// (e.g. "insufficient_funds"), whatever the token.
func (s *Server) DeclineAmount(amount int64, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.declineBySum[amount] = code
}

// Stats counts effects, never replays: a retried capture that was replayed is not a second
// capture.
type Stats struct {
	Requests       int64
	Authorizations int64
	Captures       int64
	Cancels        int64
	Refunds        int64
	Transfers      int64
	Replays        int64
	CapturedMinor  int64 // sum over all currencies, for tests using one currency
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	return Stats{
		Requests: s.requests.Load(), Authorizations: s.authorizes.Load(), Captures: s.captures.Load(),
		Cancels: s.cancels.Load(), Refunds: s.refundCount.Load(), Transfers: s.transferCnt.Load(),
		Replays: s.replays.Load(), CapturedMinor: s.capturedSum.Load(),
	}
}

// PaymentIntent returns a copy of the intent with id, for assertions.
func (s *Server) PaymentIntent(id string) (status string, amount, received, refunded int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.intents[id]
	if !ok {
		return "", 0, 0, 0, false
	}
	return in.pi.Status, in.pi.Amount, in.pi.AmountReceived, in.refunded, true
}

func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}
