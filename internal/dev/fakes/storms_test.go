package fakes_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/dev/fakes/nwsfake"
	"github.com/novatrek/support/internal/platform/service"
)

// TestProvideGivesTheWeatherFakeItsStorms: Options.Storms (novatrek dev's) turns the weather
// fake's dev mode on, so its active alerts list a storm over the area at a cycle's start;
// without it (tests, servicetest) the fake lists none.
func TestProvideGivesTheWeatherFakeItsStorms(t *testing.T) {
	t.Parallel()
	nws := service.Client{Name: "nws", URLEnv: "T_NWS_URL", Fake: "nws"}
	moab := nwsfake.Area{Lat: 38.5733, Lon: -109.5498}
	cycleStart := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	for _, storms := range []*nwsfake.Storms{{Areas: []nwsfake.Area{moab}, Every: 30 * time.Minute}, nil} {
		set, err := fakes.Provide(context.Background(), []service.Definition{spec("svc-w", nws)}, env(), nil,
			fakes.Options{DataDir: t.TempDir(), Storms: storms}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = set.Stop(context.Background()) })
		set.NWS().SetClock(func() time.Time { return cycleStart.Add(time.Minute) })
		req, _ := http.NewRequest(http.MethodGet, set.Env["T_NWS_URL"]+"/alerts/active?point=38.5733,-109.5498", nil)
		req.Header.Set("User-Agent", "fakes-test")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var fc struct {
			Features []struct {
				Properties struct{ MessageType, Event string }
			} `json:"features"`
		}
		err = json.NewDecoder(resp.Body).Decode(&fc)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case storms != nil && (len(fc.Features) != 1 || fc.Features[0].Properties.MessageType != "Alert"):
			t.Errorf("with Storms, a cycle's first minute lists %+v; want the storm's watch", fc.Features)
		case storms == nil && len(fc.Features) != 0:
			t.Errorf("without Storms, the fake lists %+v", fc.Features)
		}
	}
}
