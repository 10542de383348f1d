package outbound

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/telemetry"
)

// CircuitThreshold is how many straight failed attempts open the observed circuit.
const CircuitThreshold = 5

// The outcomes of an attempt, as counted.
const (
	OutcomeOK          = "ok"           // an answer below 500, other than 429
	OutcomeThrottled   = "throttled"    // 429
	OutcomeServerError = "server_error" // 5xx
	OutcomeTimeout     = "timeout"      // the attempt's deadline passed
	OutcomeError       = "error"        // no answer: connection refused, reset, DNS …
	OutcomeCancelled   = "cancelled"    // the caller gave up
)

// instrumented counts each attempt and keeps the observed circuit state.
type instrumented struct {
	next     http.RoundTripper
	requests *prometheus.CounterVec
	latency  prometheus.Observer
	circuit  prometheus.Gauge
	service  string
	target   string

	mu       sync.Mutex
	failures int
}

func instrument(cfg Config) (*instrumented, error) {
	reqs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "novatrek_outbound_requests_total",
		Help: "Attempts of outbound HTTP calls to third parties, by calling service, target and outcome."},
		[]string{"service", "target", "outcome"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "novatrek_outbound_request_duration_seconds",
		Help:    "Duration of outbound HTTP attempts to third parties until the answer's headers, by calling service and target.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 12)}, []string{"service", "target"})
	gauge := newGauge()
	if cfg.Metrics != nil {
		var err error
		if reqs, err = telemetry.Register(cfg.Metrics, reqs); err != nil {
			return nil, fmt.Errorf("outbound: register metrics: %w", err)
		}
		if latency, err = telemetry.Register(cfg.Metrics, latency); err != nil {
			return nil, fmt.Errorf("outbound: register metrics: %w", err)
		}
		if gauge, err = registerGauge(cfg.Metrics); err != nil {
			return nil, fmt.Errorf("outbound: register metrics: %w", err)
		}
	}
	t := &instrumented{next: cfg.Transport, requests: reqs, latency: latency.WithLabelValues(cfg.Service, cfg.Target),
		circuit: gauge.WithLabelValues(cfg.Service, cfg.Target), service: cfg.Service, target: cfg.Target}
	t.circuit.Set(0)
	return t, nil
}

func (t *instrumented) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	t.latency.Observe(time.Since(start).Seconds())
	outcome := outcomeOf(req, resp, err)
	t.requests.WithLabelValues(t.service, t.target, outcome).Inc()
	if outcome == OutcomeCancelled {
		return resp, err // says nothing about the third party
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if outcome == OutcomeOK || outcome == OutcomeThrottled {
		t.failures = 0
		t.circuit.Set(0)
	} else if t.failures++; t.failures >= CircuitThreshold {
		t.circuit.Set(1)
	}
	return resp, err
}

func outcomeOf(req *http.Request, resp *http.Response, err error) string {
	switch {
	case err == nil && resp.StatusCode == http.StatusTooManyRequests:
		return OutcomeThrottled
	case err == nil && resp.StatusCode >= 500:
		return OutcomeServerError
	case err == nil:
		return OutcomeOK
	case errors.Is(req.Context().Err(), context.DeadlineExceeded):
		return OutcomeTimeout
	case req.Context().Err() != nil:
		return OutcomeCancelled
	}
	return OutcomeError
}

func newGauge() *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "novatrek_outbound_circuit_open",
		Help: "1 while the client's last 5 or more attempts all failed (observed only: requests still go out)."},
		[]string{"service", "target"})
}

// registerGauge registers the circuit gauge on reg, or returns the one already there.
func registerGauge(reg prometheus.Registerer) (*prometheus.GaugeVec, error) {
	return telemetry.Register(reg, newGauge())
}
