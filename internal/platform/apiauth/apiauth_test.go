package apiauth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/apiauth"
)

func TestMiddlewareAndPolicy(t *testing.T) {
	auth, err := apiauth.New(map[string]string{
		"svc-reservations": "reservations-token-0123456789",
		"svc-analytics":    "analytics-token-0123456789ab",
	})
	if err != nil {
		t.Fatal(err)
	}
	policy := apiauth.Policy{"payments:write": {"svc-reservations"}}
	var who string
	h := auth.Middleware(policy.Require("payments:write", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := apiauth.CallerFrom(r.Context())
		who = c.Name
	})))

	tests := []struct {
		name, header string
		want         int
		caller       string
	}{
		{"no header", "", http.StatusUnauthorized, ""},
		{"wrong scheme", "Basic reservations-token-0123456789", http.StatusUnauthorized, ""},
		{"unknown token", "Bearer nope-nope-nope-nope-nope", http.StatusUnauthorized, ""},
		{"known, not allowed", "Bearer analytics-token-0123456789ab", http.StatusForbidden, ""},
		{"known and allowed", "Bearer reservations-token-0123456789", http.StatusOK, "svc-reservations"},
		{"scheme is case-insensitive", "bearer reservations-token-0123456789", http.StatusOK, "svc-reservations"},
	}
	for _, tt := range tests {
		who = ""
		req := httptest.NewRequest("POST", "/v1/x", nil)
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.want || who != tt.caller {
			t.Errorf("%s: %d caller %q; want %d %q", tt.name, rec.Code, who, tt.want, tt.caller)
		}
		if rec.Code >= 400 && strings.Contains(rec.Body.String(), "token-0123") {
			t.Errorf("%s: the response echoes the token", tt.name)
		}
	}
}

func TestNewRefusesWeakConfig(t *testing.T) {
	for name, tokens := range map[string]map[string]string{
		"short token":  {"svc-a": "short"},
		"shared token": {"svc-a": "same-token-0123456789", "svc-b": "same-token-0123456789"},
		"empty caller": {"": "some-token-0123456789"},
	} {
		if _, err := apiauth.New(tokens); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

func TestParseTokens(t *testing.T) {
	got, err := apiauth.ParseTokens(" svc-a = tok=with=equals-0123 , svc-b=another-token-012345 ,")
	if err != nil || got["svc-a"] != "tok=with=equals-0123" || got["svc-b"] != "another-token-012345" {
		t.Fatalf("ParseTokens = %v, %v", got, err)
	}
	for _, bad := range []string{"svc-a", "=secret-value", "svc-a=", "svc-a=x,svc-a=y"} {
		if _, err := apiauth.ParseTokens(bad); err == nil {
			t.Errorf("ParseTokens(%q) succeeded", bad)
		} else if strings.Contains(err.Error(), "secret-value") {
			t.Errorf("error echoes the entry: %v", err)
		}
	}
}

func TestFromEnvDevFallback(t *testing.T) {
	t.Setenv(apiauth.EnvTokens, "")
	a, dev, err := apiauth.FromEnv("svc-reservations")
	if err != nil || !dev {
		t.Fatalf("FromEnv = %v, dev %v", err, dev)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+apiauth.DevToken("svc-reservations"))
	if c, ok := a.Authenticate(req); !ok || c.Name != "svc-reservations" {
		t.Fatalf("dev token not accepted: %v %v", c, ok)
	}

	t.Setenv(apiauth.EnvTokens, "svc-reservations=prod-token-0123456789")
	a, dev, err = apiauth.FromEnv("svc-reservations")
	if err != nil || dev {
		t.Fatalf("FromEnv = %v, dev %v", err, dev)
	}
	if _, ok := a.Authenticate(req); ok {
		t.Fatal("dev token accepted although tokens are configured")
	}
}
