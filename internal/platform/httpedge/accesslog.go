package httpedge

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/novatrek/support/internal/platform/apiauth"
)

// accessLog logs each request of a route at DEBUG: request id, route pattern, status,
// caller and duration. Never the path, query or body: they may hold personal data. The
// caller is looked up only when DEBUG is on (it costs a token hash).
func accessLog(log *slog.Logger, auth *apiauth.Authenticator, pattern string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !log.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		var caller string
		if auth != nil {
			c, _ := auth.Authenticate(r)
			caller = c.Name
		}
		log.DebugContext(r.Context(), "api request", "request_id", RequestID(r.Context()), "route", pattern,
			"status", sw.code(), "caller", caller, "duration", time.Since(start))
	})
}
