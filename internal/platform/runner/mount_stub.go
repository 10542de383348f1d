package runner

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/internal/platform/service"
)

// mount registers bound routes on mux with today's pieces: bearer auth (401), the route's
// permission (403 naming it), the idempotency keeper where the route takes keys, and the
// handler's error written as a problem. It stands in for httpedge.Mount (issue 12, WP2),
// which replaces this file with the per-route middleware chain.
func mount(mux *http.ServeMux, auth *apiauth.Authenticator, keeper *idempotency.Keeper, log *slog.Logger, routes []service.BoundRoute) error {
	var errs []error
	for _, r := range routes {
		var h http.Handler = handler(r.Handle, log)
		switch r.Key {
		case service.KeyRequired:
			h = keeper.Middleware(h)
		case service.KeyOptional:
			h = keeper.Optional(h)
		}
		if !r.Access.Public {
			h = auth.Middleware(apiauth.Policy{r.Access.Perm: r.Access.Callers}.Require(r.Access.Perm, h))
		}
		if err := register(mux, r.Pattern, h); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// handler writes fn's error: a *problem.Problem as it is, anything else as a 500 problem,
// logged with the request id (never with the request's data).
func handler(fn func(http.ResponseWriter, *http.Request) error, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		if p, ok := errors.AsType[*problem.Problem](err); ok {
			problem.Write(w, r, p)
			return
		}
		log.ErrorContext(r.Context(), "request failed", "route", r.Pattern, "request_id", httpedge.RequestID(r.Context()), "err", err)
		problem.Write(w, r, problem.Internal())
	})
}
