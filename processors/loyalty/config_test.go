package loyalty

import (
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/config"
)

// TestBadConfigIsOneLineNamingTheVariable: a malformed or out-of-range setting stops the
// start with an error naming its variable; the defaults are valid.
func TestBadConfigIsOneLineNamingTheVariable(t *testing.T) {
	load := func(kv ...string) error {
		env := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		var c Config
		if err := config.Load(func(k string) string { return env[k] }, &c); err != nil {
			return err
		}
		return c.Validate()
	}
	if err := load(); err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	for _, tc := range [][]string{
		{"LOYALTY_POINTS_LIFETIME_MONTHS", "0"},
		{"LOYALTY_POINTS_LIFETIME_MONTHS", "two years"},
		{"LOYALTY_TIER_WINDOW_MONTHS", "61"},
		{"LOYALTY_TIER_HYSTERESIS_PERCENT", "150"},
		{"LOYALTY_EXPIRY_INTERVAL", "-1s"},
	} {
		err := load(tc...)
		if err == nil || !strings.Contains(err.Error(), tc[0]) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s=%s: %v, want one line naming the variable", tc[0], tc[1], err)
		}
	}
}
