package delivery

import (
	"testing"
	"time"

	"github.com/novatrek/support/schemas"
)

// TestRetryableFailuresGiveUp: during an outage that never ends (and a breaker that never
// opens), a row is failed after MaxAttempts retry attempts, and a row older than MaxAge at
// its first failure; each gets a decodable FAILED status event and its job goes to the
// poison stream.
func TestRetryableFailuresGiveUp(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.fake.StartOutage(503)
	ids := r.insert(2, "routine")
	fresh, old := ids[0], ids[1]
	if _, err := r.pool.Exec(t.Context(), `UPDATE notifications.notifications
		SET created_at = now() - interval '25 hours' WHERE id = $1`, old); err != nil {
		t.Fatal(err)
	}
	cfg := r.cfg
	cfg.MaxAttempts, cfg.MaxRetries, cfg.BreakerFailures = 3, 1, 1000
	r.run(cfg)
	r.eventually("both rows failed", func() bool { return r.statusOf(fresh) == "failed" && r.statusOf(old) == "failed" })

	if got := r.countWhere(`SELECT count(*) FROM notifications.delivery_log WHERE notification_id = $1
		AND status = 'retry'`, fresh); got < 3 {
		t.Fatalf("the fresh row failed after %d attempts, want at least MaxAttempts (3)", got)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.delivery_log WHERE notification_id = $1`, old); got > 2 {
		t.Fatalf("the old row was tried %d times, want it given up at its first failed job (MaxRetries 1)", got)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.notifications WHERE status_reason LIKE 'gave up%'`); got != 2 {
		t.Fatalf("%d rows say why they were given up, want 2", got)
	}
	rows, err := r.pool.Query(t.Context(), `SELECT key, value FROM notifications.outbox`)
	if err != nil {
		t.Fatal(err)
	}
	failed := map[string]bool{}
	for rows.Next() {
		var key, value []byte
		if err := rows.Scan(&key, &value); err != nil {
			t.Fatal(err)
		}
		var ev schemas.NotificationDeliveryStatusChanged
		if err := r.env.Serde.Decode(t.Context(), value, ev.Schema(), &ev); err != nil {
			t.Fatalf("decode the status event: %v", err)
		}
		if ev.Status != "FAILED" || ev.NotificationID != string(key) || ev.ErrorMessage == nil || ev.Attempt < 1 {
			t.Fatalf("status event %+v", ev)
		}
		failed[ev.NotificationID] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !failed[fresh] || !failed[old] || len(failed) != 2 {
		t.Fatalf("FAILED events for %v, want %s and %s", failed, fresh, old)
	}

	ch := r.poisoned(t)
	poisoned := map[string]bool{}
	for !poisoned[fresh] || !poisoned[old] {
		select {
		case msg := <-ch:
			poisoned[string(msg.Payload)] = true
			msg.Ack()
		case <-time.After(failAfter):
			t.Fatalf("poison stream has %v, want both jobs", poisoned)
		}
	}
}
