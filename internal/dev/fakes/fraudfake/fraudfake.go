// Package fraudfake is a local fraud-screening service answering the API package fraud
// calls. By default it accepts with a low score, reviews large amounts and rejects what a
// test tells it to; it can be made slow or failing per test. svc-payments' tests use it
// through httptest; `novatrek dev` starts one when PAYMENTS_FRAUD_URL is unset.
package fraudfake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ReviewAbove is the amount (minor units, any currency) above which the default rule
// answers review (score 0.55).
const ReviewAbove = 1_000_000

// Verdict is a canned answer.
type Verdict struct {
	Decision string
	Score    float64
	Reasons  []string
}

// Server is a fake fraud service.
type Server struct {
	mu         sync.Mutex
	byCustomer map[string]Verdict
	byAmount   map[int64]Verdict

	latency    atomic.Int64
	failNext   atomic.Int64
	failStatus atomic.Int64
	down       atomic.Bool
	requests   atomic.Int64
	answered   atomic.Int64
}

// New returns a fake that accepts everything below ReviewAbove.
func New() *Server {
	s := &Server{byCustomer: map[string]Verdict{}, byAmount: map[int64]Verdict{}}
	s.failStatus.Store(http.StatusServiceUnavailable)
	return s
}

// SetVerdictForCustomer makes every screening of customer answer v.
func (s *Server) SetVerdictForCustomer(customer string, v Verdict) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byCustomer[customer] = v
}

// SetVerdictForAmount makes every screening of exactly amount answer v.
func (s *Server) SetVerdictForAmount(amount int64, v Verdict) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byAmount[amount] = v
}

// SetLatency delays every answer by d.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// FailNext answers the next n requests with status.
func (s *Server) FailNext(n int, status int) {
	s.failStatus.Store(int64(status))
	s.failNext.Store(int64(n))
}

// SetDown makes every request fail with 503 until SetDown(false).
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// Requests is how many requests arrived; Answered how many got a verdict.
func (s *Server) Requests() int64 { return s.requests.Load() }
func (s *Server) Answered() int64 { return s.answered.Load() }

type request struct {
	Reference  string `json:"reference"`
	Amount     int64  `json:"amount"`
	Currency   string `json:"currency"`
	CustomerID string `json:"customer_id"`
}

// Handler returns the HTTP API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/assessments", func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		var req request
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Reference == "" || req.Amount <= 0 {
			http.Error(w, `{"error":"invalid request"}`, http.StatusBadRequest)
			return
		}
		if d := time.Duration(s.latency.Load()); d > 0 && !sleep(r.Context(), d) {
			return
		}
		if s.down.Load() {
			http.Error(w, `{"error":"down"}`, http.StatusServiceUnavailable)
			return
		}
		for {
			n := s.failNext.Load()
			if n <= 0 {
				break
			}
			if s.failNext.CompareAndSwap(n, n-1) {
				http.Error(w, `{"error":"injected"}`, int(s.failStatus.Load()))
				return
			}
		}
		v := s.verdict(req)
		s.answered.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": newID(), "decision": v.Decision, "score": v.Score, "reasons": v.Reasons,
		})
	})
	return mux
}

func (s *Server) verdict(req request) Verdict {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.byCustomer[req.CustomerID]; ok {
		return v
	}
	if v, ok := s.byAmount[req.Amount]; ok {
		return v
	}
	if req.Amount > ReviewAbove {
		return Verdict{Decision: "review", Score: 0.55, Reasons: []string{"large-amount"}}
	}
	return Verdict{Decision: "accept", Score: 0.04}
}

func newID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "as_" + hex.EncodeToString(b)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
