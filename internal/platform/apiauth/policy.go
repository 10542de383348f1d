package apiauth

import (
	"net/http"
	"slices"

	"github.com/novatrek/support/internal/platform/problem"
)

// Policy maps a permission (e.g. "payments:read") to the callers granted it. It is the
// service's authorization table, written from the domain spec; a permission missing from the
// table is granted to nobody.
type Policy map[string][]string

// Allows reports whether c holds perm.
func (p Policy) Allows(perm string, c Caller) bool {
	return slices.Contains(p[perm], c.Name)
}

// Require wraps next so that only callers holding perm reach it: 401 when the request
// carries no authenticated caller (Authenticator.Middleware did not run or failed), 403 when
// the caller lacks the permission.
func (p Policy) Require(perm string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := CallerFrom(r.Context())
		if !ok {
			problem.Write(w, r, problem.New(http.StatusUnauthorized, problem.TypeUnauthenticated, "Unauthenticated", "No authenticated caller."))
			return
		}
		if !p.Allows(perm, c) {
			problem.Write(w, r, problem.New(http.StatusForbidden, problem.TypeForbidden, "Forbidden",
				c.Name+" does not hold the permission "+perm+".").With("permission", perm))
			return
		}
		next.ServeHTTP(w, r)
	})
}
