package httpedge

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/idempotency"
)

// Route is one endpoint of a service's API, as its Spec declares it.
type Route struct {
	// Pattern is the ServeMux pattern, e.g. "POST /v1/deposits".
	Pattern string
	// Perm is the permission a caller needs (named in the 403), granted to Callers: the
	// domain spec's Data Ownership table.
	Perm    string
	Callers []string
	// Public routes take no bearer token: the handler checks a provider's signature.
	Public bool
	// Key says whether the route takes an Idempotency-Key.
	Key KeyMode
	// Handler serves the route (Handler adapts one that returns an error).
	Handler http.Handler
}

// MountConfig is what the per-route chain needs, shared by a service's routes.
type MountConfig struct {
	// Service labels the metrics (service=<Name>).
	Service string
	// Auth maps bearer tokens to callers; required unless every route is Public.
	Auth *apiauth.Authenticator
	// Keeper runs the idempotency protocol; required when a route takes a key.
	Keeper *idempotency.Keeper
	// Metrics registers novatrek_http_requests_total and _request_seconds; nil for none.
	Metrics prometheus.Registerer
	// Logger receives the access log (DEBUG); nil discards it.
	Logger *slog.Logger
}

// Mount puts each route on mux behind the per-route chain, outermost first: metrics
// (metrics.go), access log (accesslog.go), bearer auth → 401 (auth.go), the route's
// permission → 403 (policy.go), the idempotency protocol where the route declares a key
// (idempotency.go), the handler. The process-wide edge (Edge.Wrap) sits in front of mux.
// A route that could never be served as declared is an error, before anything is mounted.
func Mount(mux *http.ServeMux, cfg MountConfig, routes ...Route) error {
	if err := checkRoutes(cfg, routes); err != nil {
		return err
	}
	m, err := newRouteMetrics(cfg.Metrics)
	if err != nil {
		return fmt.Errorf("httpedge: register metrics: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, rt := range routes {
		h := rt.Handler
		h = keyed(cfg.Keeper, rt.Key, h)
		h = authorize(rt, h)
		h = authenticate(cfg.Auth, rt, h)
		h = accessLog(log, cfg.Auth, rt.Pattern, h)
		h = m.measure(cfg.Service, rt.Pattern, h)
		if err := handle(mux, rt.Pattern, h); err != nil {
			return err
		}
	}
	return nil
}

// checkRoutes refuses routes nobody could call, or that need what cfg lacks.
func checkRoutes(cfg MountConfig, routes []Route) error {
	var errs []error
	for _, rt := range routes {
		fail := func(format string, a ...any) {
			errs = append(errs, fmt.Errorf("httpedge: route %q: "+format, append([]any{rt.Pattern}, a...)...))
		}
		switch {
		case rt.Handler == nil:
			fail("no handler")
		case rt.Public && (rt.Perm != "" || len(rt.Callers) > 0):
			fail("a public route names no permission or callers")
		case !rt.Public && (rt.Perm == "" || len(rt.Callers) == 0):
			fail("needs a permission and the callers granted it (or Public)")
		case !rt.Public && cfg.Auth == nil:
			fail("needs MountConfig.Auth")
		case rt.Key != NoKey && cfg.Keeper == nil:
			fail("takes an Idempotency-Key (%s) but MountConfig.Keeper is nil", rt.Key)
		case rt.Key < NoKey || rt.Key > KeyRequiredInTx:
			fail("unknown key mode %d", int(rt.Key))
		}
	}
	return errors.Join(errs...)
}

// handle is mux.Handle returning, not panicking on, a malformed or conflicting pattern.
func handle(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("httpedge: route %q: %v", pattern, v)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}
