package httpedge

import (
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/novatrek/support/internal/platform/problem"
)

// recoverPanics turns a handler panic into a 500 problem naming the request id, logged at
// ERROR with its stack and counted: a bug hit by one request must not stop the process and
// every service in it. The log names the route pattern, never the raw path, query or body
// (they may hold personal data). http.ErrAbortHandler keeps its meaning (abort the
// response silently).
func (e *Edge) recoverPanics(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &statusWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			_, pattern := mux.Handler(r)
			id := RequestID(r.Context())
			e.panics.WithLabelValues(pattern).Inc()
			e.log.ErrorContext(r.Context(), "HTTP handler panicked; answered 500", "request_id", id,
				"method", r.Method, "route", pattern, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if tw.wrote() {
				return // the status is gone; the client sees a cut response
			}
			problem.Write(w, r, problem.New(http.StatusInternalServerError, problem.TypeInternal, "Internal error",
				"The error was logged under request id "+id+"; quote it to support.").With("request_id", id))
		}()
		next.ServeHTTP(tw, r)
	})
}
