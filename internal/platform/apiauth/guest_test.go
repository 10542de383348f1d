package apiauth_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/apiauth"
)

const testGuestKey = "test-guest-key-0123456789abcdef0123"

// TestGuestTokensAuthenticateTheirGuestOnly: a signed guest token authenticates as
// GuestCaller with its guest id; a token for another id with the same signature, a token
// signed under another key, a malformed id and a service token named "guest" do not.
func TestGuestTokensAuthenticateTheirGuestOnly(t *testing.T) {
	t.Setenv(apiauth.EnvTokens, "svc-trip-catalog=catalog-token-0123456789")
	t.Setenv(apiauth.EnvGuestKey, testGuestKey)
	a, dev, err := apiauth.FromEnv()
	if err != nil || dev {
		t.Fatalf("FromEnv = %v, dev %v", err, dev)
	}
	guest := uuid.NewString()
	good := apiauth.GuestToken(testGuestKey, guest)
	sig := good[strings.LastIndex(good, ".")+1:]
	for _, tc := range []struct {
		name, token string
		ok          bool
	}{
		{"signed", good, true},
		{"another guest's id with this signature", "guest." + uuid.NewString() + "." + sig, false},
		{"signed under another key", apiauth.GuestToken(testGuestKey+"x", guest), false},
		{"not a uuid", apiauth.GuestToken(testGuestKey, "ada"), false},
		{"upper-case uuid", apiauth.GuestToken(testGuestKey, strings.ToUpper(guest)), false},
		{"no signature", "guest." + guest, false},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+tc.token)
		c, ok := a.Authenticate(req)
		if ok != tc.ok || (ok && (c.Name != apiauth.GuestCaller || c.Guest != guest)) {
			t.Errorf("%s: Authenticate = %+v, %v; want ok %v", tc.name, c, ok, tc.ok)
		}
	}
	if _, err := apiauth.New(map[string]string{apiauth.GuestCaller: "a-service-token-0123456789"}); err == nil {
		t.Error("New accepted a service token for the caller name guest")
	}
}

// TestGuestKeyConfig: a short key is refused at start; with tokens configured and no key,
// guest tokens are refused; in dev mode they are signed under DevGuestKey and "guest" gets
// no dev token.
func TestGuestKeyConfig(t *testing.T) {
	t.Setenv(apiauth.EnvTokens, "svc-trip-catalog=catalog-token-0123456789")
	t.Setenv(apiauth.EnvGuestKey, "short")
	if _, _, err := apiauth.FromEnv(); err == nil || !strings.Contains(err.Error(), apiauth.EnvGuestKey) {
		t.Errorf("short guest key: err = %v, want one naming %s", err, apiauth.EnvGuestKey)
	}
	guest := uuid.NewString()
	call := func(a *apiauth.Authenticator, token string) bool {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		_, ok := a.Authenticate(req)
		return ok
	}

	t.Setenv(apiauth.EnvGuestKey, "")
	a, _, err := apiauth.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if call(a, apiauth.GuestToken(apiauth.DevGuestKey, guest)) {
		t.Error("a guest token was accepted without a guest key")
	}

	t.Setenv(apiauth.EnvTokens, "")
	a, dev, err := apiauth.FromEnv(apiauth.GuestCaller, "svc-analytics")
	if err != nil || !dev {
		t.Fatalf("dev FromEnv = %v, dev %v", err, dev)
	}
	if !call(a, apiauth.GuestToken(apiauth.DevGuestKey, guest)) {
		t.Error("dev mode refused a guest token under DevGuestKey")
	}
	if call(a, apiauth.DevToken(apiauth.GuestCaller)) {
		t.Error("dev mode accepted dev-guest, a guest without an id")
	}
	if !call(a, apiauth.DevToken("svc-analytics")) {
		t.Error("dev mode refused dev-svc-analytics")
	}
}
