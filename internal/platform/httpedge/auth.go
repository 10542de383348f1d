package httpedge

import (
	"net/http"

	"github.com/novatrek/support/internal/platform/apiauth"
)

// authenticate answers 401 to a request without a known bearer token and passes the others
// on with their caller in the context (apiauth.CallerFrom). The 401 body is apiauth's, the
// one every service has answered so far. A Public route skips it: its handler checks a
// provider's signature instead.
func authenticate(auth *apiauth.Authenticator, rt Route, next http.Handler) http.Handler {
	if rt.Public {
		return next
	}
	return auth.Middleware(next)
}
