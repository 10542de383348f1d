package providerfake

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Faults are the failure modes of a fake; the zero value is healthy. Every method is safe
// for concurrent use, also while requests are in flight.
type Faults struct {
	latency atomic.Int64 // nanoseconds added to every request
	held    atomic.Int64 // requests a hang is holding now

	mu            sync.Mutex
	failNext      int
	failStatus    int
	outageStatus  int // 0: no outage
	limitNext     int
	limitAfter    time.Duration
	retryAfterFmt RetryAfterFormat
	hang          chan struct{} // non-nil while hanging; closed to release
	rejected      map[string]bool
	undeliverable map[string]bool
	echoAuth      bool
}

// RetryAfterFormat is how a fake writes Retry-After on a 429.
type RetryAfterFormat int

const (
	// RetryAfterSeconds writes delay-seconds, e.g. "2" (the default).
	RetryAfterSeconds RetryAfterFormat = iota
	// RetryAfterDate writes an HTTP-date.
	RetryAfterDate
	// RetryAfterNone writes no Retry-After (SendGrid's fake still writes X-RateLimit-Reset).
	RetryAfterNone
)

// SetLatency delays every request by d before anything else happens (0: none). With 20ms
// it models the providers' answer time for the benchmarks.
func (f *Faults) SetLatency(d time.Duration) { f.latency.Store(int64(d)) }

// FailNext answers the next n requests with status (a 5xx) without accepting them.
func (f *Faults) FailNext(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext, f.failStatus = n, status
}

// StartOutage answers every request with status (e.g. 503) until Heal.
func (f *Faults) StartOutage(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outageStatus = status
}

// RateLimitNext answers the next n requests with 429 and a Retry-After of after (rounded
// up to whole seconds when written as seconds).
func (f *Faults) RateLimitNext(n int, after time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limitNext, f.limitAfter = n, after
}

// SetRetryAfterFormat sets how 429s write Retry-After.
func (f *Faults) SetRetryAfterFormat(format RetryAfterFormat) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retryAfterFmt = format
}

// Hang holds every request until the client gives up (on) or releases the held requests,
// which then proceed normally (off).
func (f *Faults) Hang(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case on && f.hang == nil:
		f.hang = make(chan struct{})
	case !on && f.hang != nil:
		close(f.hang)
		f.hang = nil
	}
}

// Heal ends an outage, pending FailNext and RateLimitNext counts and a hang. Latency,
// rejected and undeliverable recipients stay.
func (f *Faults) Heal() {
	f.mu.Lock()
	f.outageStatus, f.failNext, f.limitNext = 0, 0, 0
	f.mu.Unlock()
	f.Hang(false)
}

// Reject makes the fake refuse messages to recipient with the provider's permanent 4xx
// (SendGrid 400 invalid address, Twilio 400 code 21610 unsubscribed, FCM 404
// UNREGISTERED). Recipients are matched exactly as sent.
func (f *Faults) Reject(recipient string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rejected == nil {
		f.rejected = map[string]bool{}
	}
	f.rejected[recipient] = true
}

// Undeliverable makes the fake accept messages to recipient and then report a failure
// through its callbacks (SendGrid bounce, Twilio undelivered with error 30003).
func (f *Faults) Undeliverable(recipient string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.undeliverable == nil {
		f.undeliverable = map[string]bool{}
	}
	f.undeliverable[recipient] = true
}

// EchoCredentials makes error answers quote the credential the request presented, as a
// careless provider might; clients must scrub it from their errors.
func (f *Faults) EchoCredentials(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.echoAuth = on
}

// Held is the number of requests a hang is holding now.
func (f *Faults) Held() int { return int(f.held.Load()) }

func (f *Faults) isUndeliverable(recipient string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.undeliverable[recipient]
}

func (f *Faults) echoing() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.echoAuth
}

// verdict is what the faults decided for one request.
type verdict struct {
	fault      string // "" when the request may proceed
	status     int
	retryAfter time.Duration
	format     RetryAfterFormat
}

// Fault names recorded in Call.Fault.
const (
	FaultNone         = ""
	FaultHang         = "hang"
	FaultOutage       = "outage"
	FaultFail         = "fail"
	FaultRateLimit    = "rate_limit"
	FaultRejected     = "rejected"
	FaultUnauthorized = "unauthorized"
	FaultInvalid      = "invalid"
)

// before waits out the latency and a hang, then decides whether the request fails. A
// hang that ends because the client left returns FaultHang with status 0.
func (f *Faults) before(ctx context.Context, recipient string) verdict {
	if d := time.Duration(f.latency.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return verdict{fault: FaultHang}
		}
	}
	f.mu.Lock()
	hang := f.hang
	f.mu.Unlock()
	if hang != nil {
		f.held.Add(1)
		defer f.held.Add(-1)
		select {
		case <-hang:
		case <-ctx.Done():
			return verdict{fault: FaultHang}
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.outageStatus != 0:
		return verdict{fault: FaultOutage, status: f.outageStatus}
	case f.failNext > 0:
		f.failNext--
		return verdict{fault: FaultFail, status: f.failStatus}
	case f.limitNext > 0:
		f.limitNext--
		return verdict{fault: FaultRateLimit, status: http.StatusTooManyRequests, retryAfter: f.limitAfter, format: f.retryAfterFmt}
	case f.rejected[recipient]:
		return verdict{fault: FaultRejected}
	}
	return verdict{}
}

// writeRetryAfter sets Retry-After on h as v asks.
func writeRetryAfter(h http.Header, v verdict, now time.Time) {
	switch v.format {
	case RetryAfterSeconds:
		secs := int64((v.retryAfter + time.Second - 1) / time.Second)
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
	case RetryAfterDate:
		// Round up: an HTTP-date has whole seconds and must not ask for less than after.
		h.Set("Retry-After", now.Add(v.retryAfter+time.Second-1).UTC().Format(http.TimeFormat))
	}
}
