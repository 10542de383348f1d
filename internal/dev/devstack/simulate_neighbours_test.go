package devstack

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/loyalty"
	"github.com/novatrek/support/processors/procurement"
	"github.com/novatrek/support/processors/reviews"
)

// TestSimulatedNeighboursReachTheServices: a stack running the real svc-reviews,
// svc-loyalty-rewards and svc-inventory-procurement with the simulator writes reviews
// (published, and a helpful vote), redeems points the completed trips earned, and books
// gear consumption, through the routes the services declare; no call of those callers
// fails (a deliberate duplicate's 409 counts as expected, not failed).
func TestSimulatedNeighboursReachTheServices(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfg := testConfig(t, t.TempDir())
	cfg.DatabaseURL = pgtest.URLToCreate(t)
	cfg.Services = []service.Definition{reviews.Spec, loyalty.Spec, procurement.Spec}
	// The services' peers are the stack's stand-ins, at its HTTP address (as novatrek dev
	// points them there), so the address is fixed before the start.
	cfg.HTTPAddr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	stackURL := func(name string) string { return "http://" + cfg.HTTPAddr + "/" + name }
	set, err := fakes.Provide(ctx, cfg.Services, os.Getenv, stackURL, fakes.Options{DataDir: t.TempDir(), StackURL: stackURL},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set.Stop(context.Background()) })
	cfg.Getenv = set.Getenv(os.Getenv)
	cfg.SimulateRate, cfg.SimulateSeed = 100, "devstack-neighbours"
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Close(stop); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	streamtest.Eventually(t, "a published review voted on, a redemption, a consumption booked", func() (bool, error) {
		var ok bool
		err := s.DB().QueryRow(ctx, `SELECT
			EXISTS (SELECT FROM reviews.reviews WHERE status = 'published')
			AND EXISTS (SELECT FROM reviews.review_helpful_votes)
			AND EXISTS (SELECT FROM loyalty.redemptions)
			AND EXISTS (SELECT FROM procurement.stock_adjustments WHERE kind = 'consumption')`).Scan(&ok)
		return ok, err
	})
	results := map[string]float64{}
	mfs, err := s.metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "novatrek_simulator_api_calls_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			results[label(m, "caller")+" "+label(m, "result")] += m.GetCounter().GetValue()
		}
	}
	for _, caller := range []string{"guest-app", "reviews-moderation", "procurement-ops"} {
		if n := results[caller+" error"]; n > 0 {
			t.Errorf("%v calls by %s failed (all results: %v)", n, caller, results)
		}
	}
	if results["guest-app ok"] == 0 || results["procurement-ops ok"] == 0 {
		t.Errorf("calls: %v", results)
	}
	t.Logf("simulated calls: %v", results)
}
