// Package httpedge is the HTTP edge every service's API sits behind: what must hold for
// every request of every service, whatever its handlers do, is done once here instead of in
// each service. The runner (internal/platform/runner) puts it in front of the routes a
// service's Spec declares, in novatrek dev, novatrek run and servicetest alike.
//
// In order, a request meets:
//
//   - requestid.go: an X-Request-Id (the caller's when well-formed, else a fresh one) on the
//     response and in the context;
//   - recover.go: a handler panic answers 500 problem+json naming the request id, is logged
//     with its stack and counted (novatrek_http_panics_total); the server keeps serving;
//   - routes.go: an unknown route answers 404, a wrong method 405 with Allow, both as
//     problem+json;
//   - bodylimit.go: a body larger than the service's limit answers 413;
//   - text.go: a NUL byte or invalid UTF-8 in the path, the query or the body answers 400
//     (PostgreSQL refuses both in text, which would otherwise surface as a 500);
//   - cardscreen.go: a card number anywhere in the request answers 400 (internal/platform/pci).
//
// Behind those, Mount (mount.go) gives each route its own chain: metrics.go, accesslog.go,
// auth.go (401), policy.go (403), idempotency.go (Idempotency-Key where the route declares
// one); errors.go writes what a handler returns and decode.go is the strict JSON decoder.
//
// Each middleware is one file; problems are written by internal/platform/problem, which also makes
// sure no problem echoes card-shaped data.
package httpedge

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultMaxBody is the largest request body a service takes unless it says otherwise
// (64 KiB): our API requests are small JSON documents.
const DefaultMaxBody = 64 << 10

// Config configures an Edge.
type Config struct {
	// Logger receives the panics (with their stacks); it never receives request data.
	Logger *slog.Logger
	// Metrics registers novatrek_http_panics_total; nil for none.
	Metrics prometheus.Registerer
	// MaxBody is the largest request body in bytes; DefaultMaxBody when 0.
	MaxBody int64
}

// Edge wraps a service's routes.
type Edge struct {
	log     *slog.Logger
	panics  *prometheus.CounterVec
	maxBody int64
}

// New builds an edge and registers its metrics.
func New(cfg Config) (*Edge, error) {
	e := &Edge{log: cfg.Logger, maxBody: cfg.MaxBody}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.maxBody <= 0 {
		e.maxBody = DefaultMaxBody
	}
	e.panics = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "novatrek", Subsystem: "http", Name: "panics_total",
		Help: "HTTP handler panics recovered (answered 500), by route pattern.",
	}, []string{"route"})
	if cfg.Metrics != nil {
		if err := cfg.Metrics.Register(e.panics); err != nil {
			var dup prometheus.AlreadyRegisteredError
			if !errors.As(err, &dup) {
				return nil, fmt.Errorf("httpedge: register metrics: %w", err)
			}
			e.panics = dup.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return e, nil
}

// Wrap returns mux behind the edge.
func (e *Edge) Wrap(mux *http.ServeMux) http.Handler {
	var h http.Handler = mux
	h = cardScreen(h)
	h = validText(h)
	h = e.limitBody(h)
	h = routes(mux, h)
	h = e.recoverPanics(mux, h)
	return requestID(h)
}
