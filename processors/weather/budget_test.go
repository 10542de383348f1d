package weather

import (
	"net/http"
	"testing"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// TestUnspentTokensGoBack: a flight takes the tokens of its calls with its lock; when the
// provider fails the first call, the tokens of the calls it never made go back. With a
// burst of 4: a cold read while the provider is down spends one (the failed points
// call), so the next cold read still has the three of its chain, and the one after finds
// the budget spent.
func TestUnspentTokensGoBack(t *testing.T) {
	t.Parallel()
	svc, f, _ := started(t, servicetest.WithEnv("WEATHER_UPSTREAM_BURST", "4", "WEATHER_UPSTREAM_BUDGET_PER_HOUR", "1"))
	f.SetDown(true)
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("a cold read, provider down: %d %s", r.Status, r.Body)
	}
	f.SetDown(false)
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 200 {
		t.Errorf("a cold read with three tokens left: %d %s; the unspent ones did not go back", r.Status, r.Body)
	}
	if got := upstream(f); got[1] != 1 || got[2] != 1 {
		t.Errorf("upstream calls (points, stations, observations) = %v, want one stations and one observations call", got)
	}
	if r := svc.Call(wildlife, "GET", conditionsPath(Point{40.1, -105.2}), nil); r.Status != http.StatusServiceUnavailable {
		t.Errorf("a cold read with the budget spent: %d %s", r.Status, r.Body)
	}
}
