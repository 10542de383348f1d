package apiauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Guests (travellers, not services) call a few endpoints for themselves: they write their
// own reviews. They cannot each hold a listed token, so a guest token is signed instead:
// "guest.<guest uuid>.<HMAC-SHA256 of the uuid under the guest key, base64url>", minted by
// whoever authenticated the guest (the web front end in production, GuestToken in dev and
// tests). A valid one authenticates as the caller GuestCaller with Caller.Guest set, so a
// route grants guests a permission like any caller, Perm("reviews:write", GuestCaller),
// and its handler checks the guest owns what it touches.

// GuestCaller is the caller name of every guest token; no service token may use it.
const GuestCaller = "guest"

// EnvGuestKey holds the key guest tokens are signed with (at least MinGuestKeyLength
// characters). Unset with NOVATREK_API_TOKENS set: guest tokens are refused.
const EnvGuestKey = "NOVATREK_GUEST_TOKEN_KEY"

// DevGuestKey is the guest key in dev mode (NOVATREK_API_TOKENS unset). Public knowledge,
// like the dev tokens.
const DevGuestKey = "dev-guest-token-key-public-knowledge"

// MinGuestKeyLength is the shortest guest key accepted: 32 characters of a random key.
const MinGuestKeyLength = 32

const guestPrefix = GuestCaller + "."

// GuestToken is the bearer token of guest guestID under key.
func GuestToken(key, guestID string) string {
	return guestPrefix + guestID + "." + guestSignature([]byte(key), guestID)
}

func guestSignature(key []byte, guestID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(guestID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// WithGuestKey makes a accept guest tokens signed with key.
func (a *Authenticator) WithGuestKey(key string) error {
	if len(key) < MinGuestKeyLength {
		return fmt.Errorf("apiauth: %s is shorter than %d characters", EnvGuestKey, MinGuestKeyLength)
	}
	a.guestKey = []byte(key)
	return nil
}

// guest authenticates a guest token; ok is false for anything else, or without a guest key.
func (a *Authenticator) guest(tok string) (Caller, bool) {
	if a.guestKey == nil || !strings.HasPrefix(tok, guestPrefix) {
		return Caller{}, false
	}
	id, sig, ok := strings.Cut(strings.TrimPrefix(tok, guestPrefix), ".")
	if !ok {
		return Caller{}, false
	}
	want := guestSignature(a.guestKey, id)
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return Caller{}, false
	}
	parsed, err := uuid.Parse(id)
	if err != nil || parsed.String() != id {
		return Caller{}, false
	}
	return Caller{Name: GuestCaller, Guest: id}, true
}
