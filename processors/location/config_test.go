package location

import (
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/service"
)

// TestBadConfigIsOneClearLine: each bad setting stops New with one line naming the variable.
func TestBadConfigIsOneClearLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, value, want string }{
		{"LOCATION_MAX_RADIUS_M", "2000000", "LOCATION_MAX_RADIUS_M 2000000 must be at most 1000000 metres"},
		{"LOCATION_MAX_RADIUS_M", "0", `LOCATION_MAX_RADIUS_M "0" is not a positive integer`},
		{"LOCATION_POSITION_HISTORY", "lots", `LOCATION_POSITION_HISTORY "lots" is not a positive integer`},
		{"LOCATION_TILE_MAX_AGE", "-1s", `LOCATION_TILE_MAX_AGE "-1s" is not a positive duration`},
	} {
		env := service.Env{Name: ServiceName, Getenv: func(k string) string {
			if k == c.name {
				return c.value
			}
			return ""
		}}
		_, err := newApp(t.Context(), env)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s=%s: %v; want one line containing %q", c.name, c.value, err, c.want)
		}
	}
	if _, err := newApp(t.Context(), service.Env{Name: ServiceName, Getenv: func(string) string { return "" }}); err != nil {
		t.Errorf("defaults: %v", err)
	}
}
