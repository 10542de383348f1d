package devstack

import (
	"net/url"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/notifications"
)

var deviceCall = regexp.MustCompile(`^/v1/recipients/GUEST:([^/]+)/devices/`)

// TestSimulatedCallsMakeRecipientsKnown: a stack running the real svc-notifications and the
// simulator delivers push to the simulated guests who registered a device (the simulator's
// guest-app calls on the stack's HTTP address) and only they fail as "no registered
// device"; the guides, partners and staff the traffic names never fail as unknown.
func TestSimulatedCallsMakeRecipientsKnown(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfg := testConfig(t, t.TempDir())
	cfg.DatabaseURL = pgtest.URLToCreate(t)
	// Its job streams are under the data dir's Valkey prefix, deleted when the test ends. The
	// fake providers are the dev command's (fakes.Provide); their callbacks are not awaited.
	cfg.Services = []service.Definition{notifications.Spec}
	noCallbacks := func(k string) string {
		if k == "NOTIFICATIONS_PUBLIC_URL" {
			return "http://127.0.0.1:1/svc-notifications"
		}
		return os.Getenv(k)
	}
	cfg.SimulateRate, cfg.SimulateSeed = 50, "devstack-calls"
	s := startSimulated(t, cfg, noCallbacks, nil)

	// The guests the seed gives a device, from the seed's first events (more than the test
	// waits for).
	topo, _ := topology.Default()
	g, err := simulate.NewGenerator("devstack-calls", topo)
	if err != nil {
		t.Fatal(err)
	}
	withDevice := map[string]bool{}
	for range 20000 {
		ev, err := g.Next(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ev.After {
			if m := deviceCall.FindStringSubmatch(c.Path); m != nil {
				id, _ := url.PathUnescape(m[1])
				withDevice[id] = true
			}
		}
	}

	type row struct{ typ, id, channel, status, reason string }
	var rows []row
	streamtest.Eventually(t, "a push to a simulated guest sent and a partner notified", func() (bool, error) {
		rs, err := s.DB().Query(ctx, `SELECT recipient_type, recipient_id, channel, status, coalesce(status_reason, '')
			FROM notifications.notifications WHERE status IN ('sent', 'delivered', 'failed')`)
		if err != nil {
			return false, err
		}
		defer rs.Close()
		rows = rows[:0]
		pushSent, partner := false, false
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.typ, &r.id, &r.channel, &r.status, &r.reason); err != nil {
				return false, err
			}
			rows = append(rows, r)
			pushSent = pushSent || r.typ == "GUEST" && r.channel == "push" && r.status != "failed"
			partner = partner || r.typ == "PARTNER"
		}
		return pushSent && partner, rs.Err()
	})
	sent, failed := 0, 0
	for _, r := range rows {
		switch {
		case r.typ == "GUEST" && r.channel == "push" && r.status != "failed":
			sent++
			if !withDevice[r.id] {
				t.Errorf("push to GUEST:%s %s, but the seed gave them no device", r.id, r.status)
			}
		case r.typ == "GUEST" && r.channel == "push":
			failed++
			if withDevice[r.id] {
				t.Errorf("push to GUEST:%s failed (%s) though their app registered a device", r.id, r.reason)
			}
		case r.typ != "GUEST" && r.status == "failed":
			t.Errorf("%s %s:%s failed: %s", r.channel, r.typ, r.id, r.reason)
		}
	}
	t.Logf("%d notifications settled: guest push %d sent, %d failed (guests without the app)", len(rows), sent, failed)
}
