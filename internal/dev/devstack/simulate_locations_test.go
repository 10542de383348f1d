package devstack

import (
	"os"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/location"
)

// TestSimulatorSetsUpLocationsBeforeCheckins: a stack running the real svc-location-services
// and the simulator has, after the simulator's setup, every departure location the setup
// PUTs; the simulated check-ins are then applied to their sites' occupancy and the guest
// app's fixes remembered, and nothing is dead-lettered (before the setup, every check-in
// was dead-lettered as "unknown location").
func TestSimulatorSetsUpLocationsBeforeCheckins(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfg := testConfig(t, t.TempDir())
	cfg.DatabaseURL = pgtest.URLToCreate(t)
	cfg.Services = []service.Definition{location.Spec}
	cfg.SimulateRate, cfg.SimulateSeed = 50, "devstack-locations"
	s := startSimulated(t, cfg, os.Getenv, nil)
	topo, _ := topology.Default()
	g, err := simulate.NewGenerator(cfg.SimulateSeed, topo)
	if err != nil {
		t.Fatal(err)
	}
	setup := len(g.Setup())

	var locations, checkins, positions int
	streamtest.Eventually(t, "the setup's locations, 5 check-ins applied and a guest position", func() (bool, error) {
		err := s.DB().QueryRow(ctx, `SELECT (SELECT count(*) FROM locations.locations),
			(SELECT count(*) FROM locations.capacity_records WHERE source = 'checkin'),
			(SELECT count(*) FROM locations.guest_positions)`).Scan(&locations, &checkins, &positions)
		return locations == setup && checkins >= 5 && positions > 0, err
	})
	var occupied int
	if err := s.DB().QueryRow(ctx, `SELECT count(*) FROM locations.locations WHERE kind = 'site' AND occupancy > 0`).Scan(&occupied); err != nil {
		t.Fatal(err)
	}
	if occupied == 0 {
		t.Error("check-ins applied, yet no site has anyone checked in")
	}
	sample, err := takeSample(s.metrics, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n := sample.dlq["svc-location-services"]; n != 0 {
		t.Errorf("%v records dead-lettered by svc-location-services; want none", n)
	}
	t.Logf("%d locations set up, %d check-ins applied, %d guests positioned, %v records handled",
		locations, checkins, positions, sample.records["svc-location-services"])
}
