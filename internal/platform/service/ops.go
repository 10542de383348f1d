package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ReadyCheck is one readiness probe, e.g. a PostgreSQL ping; nil means ready.
type ReadyCheck struct {
	Name  string
	Probe func(ctx context.Context) error
}

// readyTimeout bounds all probes of one /readyz request, so a hung dependency answers 503
// instead of hanging the orchestrator's probe.
const readyTimeout = 2 * time.Second

// NewOpsMux returns a mux serving the operational endpoints every process has:
//
//   - GET /metrics: the Prometheus metrics gathered from g;
//   - GET /healthz: 200 while the process is alive;
//   - GET /readyz: 200 when every check passes, else 503 naming the failing ones; while
//     ready() reports false (still starting, or shutting down) it answers 503 without probing.
//
// Callers add their own routes to the returned mux.
func NewOpsMux(g prometheus.Gatherer, ready func() bool, checks ...ReadyCheck) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready: starting or stopping")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		var errs []error
		for _, c := range checks {
			if err := c.Probe(ctx); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", c.Name, err))
			}
		}
		if err := errors.Join(errs...); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready:", err)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// NewMetricsRegistry returns a fresh registry with the Go runtime and process collectors:
// each process (and each test) gets its own instead of the global default registry.
func NewMetricsRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}
