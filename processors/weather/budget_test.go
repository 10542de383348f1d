package weather

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/valkey-io/valkey-go"

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

// TestATakeTheServerDidNotKnowIsRunAgain: a flight's take names the budget script by its
// SHA-1; when the server does not know it (NOSCRIPT: new, restarted or flushed), the take
// runs again with the script's body and takes its tokens. The NOSCRIPT reply is a real one,
// of a script no server has seen, so that the shared test server's scripts stay as they are.
func TestATakeTheServerDidNotKnowIsRunAgain(t *testing.T) {
	t.Parallel()
	svc, _, _ := started(t, servicetest.WithEnv("WEATHER_UPSTREAM_BURST", "4", "WEATHER_UPSTREAM_BUDGET_PER_HOUR", "1"))
	b := svc.State.fetch.budget
	ctx := context.Background()
	unknown := sha1.Sum([]byte(takeTokens + "-- " + t.Name() + newToken()))
	r := b.vk.Do(ctx, b.vk.B().Evalsha().Sha1(hex.EncodeToString(unknown[:])).Numkeys(1).Key(b.key).Arg(b.args(3)...).Build())
	if ve, ok := valkey.IsValkeyErr(r.Error()); !ok || !ve.IsNoScript() {
		t.Fatalf("an EVALSHA of an unknown script: %v, want NOSCRIPT: the test proves nothing", r.Error())
	}
	if got := b.retake(ctx, r, 3); !taken(got) {
		t.Fatalf("the take after NOSCRIPT: %v, want its 3 tokens taken", got.Error())
	}
	left, err := b.vk.Do(ctx, b.vk.B().Hget().Key(b.key).Field("tokens").Build()).AsFloat64()
	if err != nil || left < 0.99 || left > 1.01 {
		t.Errorf("%v tokens left (%v), want 1 of 4 after a take of 3", left, err)
	}
}
