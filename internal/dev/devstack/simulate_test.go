package devstack

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/logtest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/schemas"
)

// TestStackSimulatesAndServesStandins: a stack with the simulator on produces the seed's
// traffic, the stand-ins on the stack's HTTP address answer for the seed's first
// reservation and guest, and status lines with the simulator's rate are printed. With no
// service running, the routes the simulated calls use are said unserved in one log line.
func TestStackSimulatesAndServesStandins(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfg := testConfig(t, t.TempDir())
	cfg.DatabaseURL = pgtest.URLToCreate(t)
	cfg.SimulateRate, cfg.SimulateSeed = 100, "devstack"
	var status, logs logtest.Buffer
	cfg.StatusInterval, cfg.Status = 100*time.Millisecond, &status
	cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), &logs), nil))
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })

	// The same seed yields the same ids: the first reservation the stack's simulator books.
	topo, _ := topology.Default()
	g, err := simulate.NewGenerator("devstack", topo)
	if err != nil {
		t.Fatal(err)
	}
	var res *schemas.ReservationCreated
	for res == nil {
		ev, err := g.Next(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		res, _ = ev.Value.(*schemas.ReservationCreated)
	}
	base := "http://" + s.HTTPAddr()
	streamtest.Eventually(t, "the stand-ins knowing the simulator's first reservation and its guest", func() (bool, error) {
		var r struct{ Status string }
		if code, err := getJSON(base+"/svc-reservations/v1/reservations/"+res.ReservationID, &r); err != nil || code != http.StatusOK {
			return false, err
		}
		code, err := getJSON(base+"/svc-guest-profiles/v1/guests/"+res.GuestID, nil)
		return code == http.StatusOK && r.Status != "", err
	})
	streamtest.Eventually(t, "a status line with the simulator's rate", func() (bool, error) {
		for _, l := range strings.Split(status.String(), "\n") {
			if strings.Contains(l, " sim ") && !strings.Contains(l, " sim 0.0/s") {
				return true, nil
			}
		}
		return false, nil
	})
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var unserved []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "no running service declares these routes") {
			unserved = append(unserved, l)
		}
	}
	if len(unserved) != 1 || !strings.Contains(unserved[0], simulate.RouteContact) || !strings.Contains(unserved[0], simulate.RouteDevice) {
		t.Errorf("want one line naming the unserved routes %s and %s; got %q", simulate.RouteContact, simulate.RouteDevice, unserved)
	}
}

func getJSON(url string, v any) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		return resp.StatusCode, json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode, nil
}
