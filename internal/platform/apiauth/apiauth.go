// Package apiauth authenticates service-to-service HTTP calls with bearer tokens and
// authorizes them with a policy table.
//
// Each calling service holds one opaque token; the Authenticator maps it to the caller's
// identity (its service name, e.g. "svc-reservations"). A request without a token, or with a
// token nobody holds, gets 401; a known caller without the permission an endpoint requires
// gets 403 (Policy.Require). Services write their policy from the domain spec's Data
// Ownership table, e.g. payment records are readable by svc-reservations and svc-analytics.
//
// Tokens come from NOVATREK_API_TOKENS ("caller=token,caller=token"); see FromEnv. They are
// kept only as SHA-256 digests, compared in constant time, and never logged.
package apiauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/novatrek/support/internal/platform/problem"
)

// Caller is an authenticated client of an API.
type Caller struct {
	// Name is the calling service's name, e.g. "svc-reservations", or GuestCaller.
	Name string
	// Guest is the guest id of a guest token (see GuestToken); "" for a service.
	Guest string
}

// Authenticator maps bearer tokens to callers.
type Authenticator struct {
	entries []entry
	// guestKey verifies guest tokens; nil: none are accepted.
	guestKey []byte
}

type entry struct {
	digest [sha256.Size]byte
	caller string
}

// MinTokenLength is the shortest token New accepts outside dev mode: 16 characters of a
// random token are already out of reach of guessing.
const MinTokenLength = 16

// New returns an Authenticator for tokens, a map of caller name to token. Empty names,
// tokens shorter than MinTokenLength and a token shared by two callers are refused.
func New(tokens map[string]string) (*Authenticator, error) {
	return newAuth(tokens, MinTokenLength)
}

func newAuth(tokens map[string]string, minLen int) (*Authenticator, error) {
	a := &Authenticator{}
	seen := map[[sha256.Size]byte]string{}
	for caller, tok := range tokens {
		if caller == "" {
			return nil, errors.New("apiauth: a token has an empty caller name")
		}
		if caller == GuestCaller {
			return nil, fmt.Errorf("apiauth: %q is the caller of guest tokens (%s), not a service", GuestCaller, EnvGuestKey)
		}
		if len(tok) < minLen {
			return nil, fmt.Errorf("apiauth: the token of %s is shorter than %d characters", caller, minLen)
		}
		d := sha256.Sum256([]byte(tok))
		if other, dup := seen[d]; dup {
			return nil, fmt.Errorf("apiauth: %s and %s share a token", other, caller)
		}
		seen[d] = caller
		a.entries = append(a.entries, entry{digest: d, caller: caller})
	}
	return a, nil
}

// Authenticate returns the caller holding r's bearer token.
func (a *Authenticator) Authenticate(r *http.Request) (Caller, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return Caller{}, false
	}
	tok = strings.TrimSpace(tok)
	if c, ok := a.guest(tok); ok {
		return c, true
	}
	d := sha256.Sum256([]byte(tok))
	found := -1
	for i := range a.entries { // every entry is compared: the time does not depend on which matched
		if subtle.ConstantTimeCompare(a.entries[i].digest[:], d[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Caller{}, false
	}
	return Caller{Name: a.entries[found].caller}, true
}

// Middleware answers 401 to requests without a known token and passes the others on with
// the caller in their context (see CallerFrom).
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := a.Authenticate(r)
		if !ok {
			detail := "Send Authorization: Bearer <token> with the token issued to your service."
			if r.Header.Get("Authorization") != "" {
				detail = "The bearer token is not known."
			}
			problem.Write(w, r, problem.New(http.StatusUnauthorized, problem.TypeUnauthenticated, "Unauthenticated", detail))
			return
		}
		next.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), c)))
	})
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller the Middleware put in ctx.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}
