package apiauth

import (
	"fmt"
	"os"
	"strings"
)

// EnvTokens is the environment variable holding the callers' tokens:
// "svc-reservations=<token>,svc-analytics=<token>".
const EnvTokens = "NOVATREK_API_TOKENS"

// DevToken is the token of caller in dev mode: "dev-<caller>", e.g. "dev-svc-reservations".
// It is public knowledge; it exists so `novatrek dev` and curl work with no setup.
func DevToken(caller string) string { return "dev-" + caller }

// ParseTokens parses "caller=token,caller=token" into a map of caller to token. Whitespace
// around entries is ignored; a token may itself contain '='.
func ParseTokens(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		caller, tok, ok := strings.Cut(part, "=")
		caller, tok = strings.TrimSpace(caller), strings.TrimSpace(tok)
		if !ok || caller == "" || tok == "" {
			// Do not echo the entry: it may hold a token.
			return nil, fmt.Errorf("apiauth: %s: an entry is not caller=token", EnvTokens)
		}
		if _, dup := out[caller]; dup {
			return nil, fmt.Errorf("apiauth: %s: caller %s is listed twice", EnvTokens, caller)
		}
		out[caller] = tok
	}
	return out, nil
}

// FromEnv builds the Authenticator from NOVATREK_API_TOKENS. When the variable is unset or
// empty it falls back to dev mode: each of devCallers gets DevToken(caller), and dev is true
// so the service can log a warning. A malformed variable is an error, never a fallback.
func FromEnv(devCallers ...string) (a *Authenticator, dev bool, err error) {
	return FromGetenv(os.Getenv, devCallers...)
}

// FromGetenv is FromEnv reading the variable through getenv (a runner's environment
// overlay, a test's tokens). Guest tokens are accepted under NOVATREK_GUEST_TOKEN_KEY, in
// dev mode under DevGuestKey when it is unset; a devCaller GuestCaller gets no dev token.
func FromGetenv(getenv func(string) string, devCallers ...string) (a *Authenticator, dev bool, err error) {
	raw := getenv(EnvTokens)
	guestKey := getenv(EnvGuestKey)
	if strings.TrimSpace(raw) == "" {
		tokens := make(map[string]string, len(devCallers))
		for _, c := range devCallers {
			if c != GuestCaller { // guests sign their tokens (GuestToken under DevGuestKey)
				tokens[c] = DevToken(c)
			}
		}
		a, err := newAuth(tokens, 1)
		if err != nil {
			return nil, true, err
		}
		if guestKey == "" {
			guestKey = DevGuestKey
		}
		return a, true, a.WithGuestKey(guestKey)
	}
	tokens, err := ParseTokens(raw)
	if err != nil {
		return nil, false, err
	}
	if a, err = New(tokens); err != nil {
		return nil, false, err
	}
	if guestKey != "" {
		err = a.WithGuestKey(guestKey)
	}
	return a, false, err
}
