package loyalty

import (
	"slices"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/config"
)

// TestBadConfigIsOneLineNamingTheVariable: a malformed or out-of-range setting stops the
// start with an error naming its variable; the defaults are valid.
func TestBadConfigIsOneLineNamingTheVariable(t *testing.T) {
	if err := loadConfig(); err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	for _, tc := range [][]string{
		{"LOYALTY_POINTS_LIFETIME_MONTHS", "0"},
		{"LOYALTY_POINTS_LIFETIME_MONTHS", "two years"},
		{"LOYALTY_TIER_WINDOW_MONTHS", "61"},
		{"LOYALTY_TIER_HYSTERESIS_PERCENT", "150"},
		{"LOYALTY_EXPIRY_INTERVAL", "-1s"},
	} {
		err := loadConfig(tc...)
		if err == nil || !strings.Contains(err.Error(), tc[0]) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s=%s: %v, want one line naming the variable", tc[0], tc[1], err)
		}
	}
}

// TestStoreSettingsAreCheckedTogether: LOYALTY_STORE takes postgres or couchbase, and
// couchbase stops the start with one line when a COUCHBASE_* setting it needs is missing or
// malformed; the postgres store ignores them.
func TestStoreSettingsAreCheckedTogether(t *testing.T) {
	full := []string{"LOYALTY_STORE", "couchbase", "COUCHBASE_URL", "couchbase://127.0.0.1", "COUCHBASE_USERNAME", "loyalty", "COUCHBASE_PASSWORD", "x"}
	for _, ok := range [][]string{nil, {"LOYALTY_STORE", "postgres", "COUCHBASE_URL", "not a url"}, full} {
		if err := loadConfig(ok...); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
	for _, tc := range []struct {
		env  []string
		name string
	}{
		{[]string{"LOYALTY_STORE", "mongo"}, "LOYALTY_STORE"},
		{[]string{"LOYALTY_STORE", "couchbase"}, "COUCHBASE_URL"},
		{append(slices.Clone(full), "COUCHBASE_URL", "http://127.0.0.1:8091"), "COUCHBASE_URL"},
		{append(slices.Clone(full), "COUCHBASE_URL", "couchbase://admin:secret@127.0.0.1"), "COUCHBASE_URL"},
		{append(slices.Clone(full), "COUCHBASE_PASSWORD", ""), "COUCHBASE_PASSWORD"},
		{append(slices.Clone(full), "COUCHBASE_TIMEOUT", "0s"), "COUCHBASE_TIMEOUT"},
	} {
		err := loadConfig(tc.env...)
		if err == nil || !strings.Contains(err.Error(), tc.name) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "secret") {
			t.Errorf("%v: %v, want one line naming %s without the password", tc.env, err, tc.name)
		}
	}
}

// loadConfig loads a Config (config.Load runs its Validate) from the variables kv, given
// as name, value, ..., and no others.
func loadConfig(kv ...string) error {
	env := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	var c Config
	return config.Load(func(k string) string { return env[k] }, &c)
}
