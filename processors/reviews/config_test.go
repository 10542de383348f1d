package reviews

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/service"
)

// TestBadConfigStopsTheStart: a required peer without URL, a negative prior weight and a
// malformed number each stop the start with one line naming the variable; without
// REVIEWS_REQUIRE_PEERS the missing peers are only a warning.
func TestBadConfigStopsTheStart(t *testing.T) {
	t.Parallel()
	env := func(vars map[string]string) service.Env {
		return service.Env{Name: ServiceName, Logger: slog.New(slog.DiscardHandler), Getenv: func(k string) string { return vars[k] },
			Endpoints: map[string]*service.Endpoint{clientReservations: nil, clientGuests: nil}}
	}
	for _, tc := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"REVIEWS_REQUIRE_PEERS": "true"}, "REVIEWS_REQUIRE_PEERS=true"},
		{map[string]string{"REVIEWS_BAYES_PRIOR_WEIGHT": "-1"}, "REVIEWS_BAYES_PRIOR_WEIGHT"},
		{map[string]string{"REVIEWS_BAYES_PRIOR_WEIGHT": "ten"}, "REVIEWS_BAYES_PRIOR_WEIGHT"},
	} {
		_, err := newApp(context.Background(), env(tc.vars))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: err = %v; want one line naming %s", tc.vars, err, tc.want)
		}
	}
	if _, err := newApp(context.Background(), env(nil)); err != nil {
		t.Errorf("defaults without peers: %v", err)
	}
}
