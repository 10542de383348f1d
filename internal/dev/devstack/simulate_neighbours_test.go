package devstack

import (
	"fmt"
	"os"
	"testing"

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
	cfg.SimulateRate, cfg.SimulateSeed = 100, "devstack-neighbours"
	s := startSimulated(t, cfg, os.Getenv, stackURL)
	streamtest.Eventually(t, "a published review voted on, a redemption, a consumption booked", func() (bool, error) {
		var ok bool
		err := s.DB().QueryRow(ctx, `SELECT
			EXISTS (SELECT FROM reviews.reviews WHERE status = 'published')
			AND EXISTS (SELECT FROM reviews.review_helpful_votes)
			AND EXISTS (SELECT FROM loyalty.redemptions)
			AND EXISTS (SELECT FROM procurement.stock_adjustments WHERE kind = 'consumption')`).Scan(&ok)
		return ok, err
	})
	results := callResults(t, s)
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
