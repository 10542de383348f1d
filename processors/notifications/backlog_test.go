package notifications

import (
	"testing"
	"time"

	"github.com/novatrek/support/internal/testkit/pgtest"
)

// TestBacklogCountsTheDeliveriesStillToSend: pending and queued notifications, and deferred
// ones due by the drain's end, are the delivery stage's backlog (each still publishes a
// status event); sent, delivered, failed and suppressed ones are done, and one deferred past
// the drain's end waits for its time on purpose.
func TestBacklogCountsTheDeliveriesStillToSend(t *testing.T) {
	h := newHarness(t)
	until := time.Now().Add(time.Minute)
	for _, st := range []string{"pending", "queued", "queued", "sent", "delivered", "failed", "suppressed"} {
		h.notification("email", st)
	}
	for _, at := range []time.Time{until.Add(-time.Second), until.Add(time.Hour)} {
		id := h.notification("email", "pending")
		pgtest.Exec(t, h.pool, `UPDATE notifications.notifications SET status = 'deferred', defer_until = $2 WHERE id = $1`, id, at)
	}
	n, err := Backlog(h.ctx, h.pool, until)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("backlog %d: want 4 (a pending, two queued, a deferred due before the end)", n)
	}
}
