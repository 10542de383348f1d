package httpedge

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/internal/platform/store"
)

// Handler adapts a handler that returns an error: the handler writes its success itself
// and returns what went wrong, and the edge writes that the same way for every service
// (WriteError). log receives the 500s and the outages; nil discards them.
func Handler(fn func(http.ResponseWriter, *http.Request) error, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		err := fn(sw, r)
		if err == nil {
			return
		}
		if sw.wrote() { // the answer is gone; all that is left is to say so in the log
			log.ErrorContext(r.Context(), "API handler failed after answering", "request_id", RequestID(r.Context()),
				"route", r.Pattern, "status", sw.code(), "err", err)
			return
		}
		WriteError(w, r, err, log)
	})
}

// WriteError answers err:
//
//   - a *problem.Problem as it is (a 503 gets Retry-After: 5 unless the handler set one);
//   - a *fault.Error by its kind (fault.Error.Problem), with Retry-After for Unavailable;
//     an outage is logged at WARN with its cause;
//   - an error after the request was cancelled (client gone, server stopping): 503;
//   - a store that cannot be reached (store.Unreachable: PostgreSQL or Valkey down,
//     restarting, out of connections): 503 with Retry-After, logged at WARN;
//   - anything else: 500 saying only the request id, the error logged under it.
func WriteError(w http.ResponseWriter, r *http.Request, err error, log *slog.Logger) {
	var p *problem.Problem
	if errors.As(err, &p) {
		if p.Status == http.StatusServiceUnavailable {
			setRetryAfter(w, fault.DefaultRetryAfter.Seconds())
		}
		problem.Write(w, r, p)
		return
	}
	if f, ok := fault.As(err); ok {
		if f.Kind == fault.KindUnavailable {
			log.WarnContext(r.Context(), "API request met an unavailable dependency", "request_id", RequestID(r.Context()),
				"route", r.Pattern, "err", err)
			setRetryAfter(w, f.RetryAfter.Seconds())
		}
		problem.Write(w, r, f.Problem())
		return
	}
	if r.Context().Err() != nil {
		problem.Write(w, r, problem.Unavailable("The request was cancelled."))
		return
	}
	if store.Unreachable(err) {
		log.WarnContext(r.Context(), "API request met an unreachable store", "request_id", RequestID(r.Context()),
			"route", r.Pattern, "err", err)
		setRetryAfter(w, fault.DefaultRetryAfter.Seconds())
		problem.Write(w, r, problem.Unavailable("A store this service needs cannot be reached; try again shortly."))
		return
	}
	id := RequestID(r.Context())
	log.ErrorContext(r.Context(), "API request failed", "request_id", id, "route", r.Pattern, "err", err)
	problem.Write(w, r, problem.Internal().With("request_id", id))
}

// setRetryAfter sets Retry-After to whole seconds, at least 1, unless already set.
func setRetryAfter(w http.ResponseWriter, seconds float64) {
	if w.Header().Get("Retry-After") != "" {
		return
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Max(1, math.Ceil(seconds)))))
}
