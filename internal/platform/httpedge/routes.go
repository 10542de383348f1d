package httpedge

import (
	"net/http"

	"github.com/novatrek/support/internal/platform/problem"
)

// Routes returns mux with the same problem answers for unmatched requests as a service's
// edge, for a server that is not one service's API: novatrek dev's root (metrics, health,
// the stand-ins and every service under its prefix), where ServeMux would answer a mistyped
// path with text/plain "404 page not found".
func Routes(mux *http.ServeMux) http.Handler { return routes(mux, mux) }

// routes answers requests no route of mux takes as problems, like every other error of our
// APIs, instead of ServeMux's text/plain: 404 for an unknown path, 405 with the Allow
// header for a known path with another method.
func routes(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			next.ServeHTTP(w, r)
			return
		}
		// ServeMux's own answer says which of the two it is, and the allowed methods.
		probe := &statusProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.header.Get("Allow"))
			problem.Write(w, r, problem.New(http.StatusMethodNotAllowed, problem.TypeMethodNotAllowed, "Method not allowed",
				r.Method+" is not allowed here; the Allow header lists the methods that are."))
			return
		}
		problem.Write(w, r, problem.NotFound("No such route; /openapi.json lists this API's routes."))
	})
}

// statusProbe records a status and headers and drops the body.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header { return p.header }
func (p *statusProbe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *statusProbe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}
