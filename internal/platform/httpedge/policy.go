package httpedge

import (
	"net/http"

	"github.com/novatrek/support/internal/platform/apiauth"
)

// authorize lets through only the callers the route names: 403 naming the permission to any
// other authenticated caller (apiauth.Policy.Require, so the body is the one services have
// answered so far). A Public route has no caller to check.
func authorize(rt Route, next http.Handler) http.Handler {
	if rt.Public {
		return next
	}
	return apiauth.Policy{rt.Perm: rt.Callers}.Require(rt.Perm, next)
}
