package delivery

import (
	"context"
	"errors"
	"testing"
)

// TestLeaseGuardsClaimAndRecord drives claim and record directly (no router): a second
// claim of a leased row is refused without touching the lease, a record whose lease expired
// and was taken over logs its attempt (a call that was made is always in delivery_log) but
// leaves the status, the new lease and the status events alone, the new owner's record
// finishes the row with one status event, and a claim of the finished row has nothing to do.
func TestLeaseGuardsClaimAndRecord(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	d, err := New(r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id := r.insert(1, "routine")[0]

	n, sender, served, first, err := d.claim(ctx, id)
	if err != nil || n == nil || sender == nil || len(served) != 0 {
		t.Fatalf("first claim: n=%v sender=%v served=%v err=%v", n, sender, served, err)
	}
	if _, _, _, _, err := d.claim(ctx, id); !errors.Is(err, errLeased) {
		t.Fatalf("claim under a live lease: err %v, want errLeased", err)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.notifications WHERE id = $1
		AND lease_owner = $2 AND lease_until > now()`, id, first); got != 1 {
		t.Fatal("the refused claim changed the first lease")
	}

	// The first worker's lease runs out; another job takes the row over.
	if _, err := r.pool.Exec(ctx, `UPDATE notifications.notifications SET lease_until = now() - interval '1 second'
		WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	_, _, _, second, err := d.claim(ctx, id)
	if err != nil || second == "" || second == first {
		t.Fatalf("claim after the lease expired: lease %q (first %q), err %v", second, first, err)
	}
	sent := outcome{attempts: []attempt{{member: n.recipient, status: "sent", providerID: "p-1", serve: true}},
		final: "sent", finalID: "p-1"}
	if err := d.record(ctx, n, sender.Name(), first, sent); !errors.Is(err, errLeased) {
		t.Fatalf("record with a lease taken over: err %v, want errLeased", err)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.delivery_log WHERE notification_id = $1
		AND attempt = 1 AND status = 'sent' AND provider_message_id = 'p-1'`, id); got != 1 {
		t.Fatalf("the accepted send of the worker that lost its lease left %d attempts in delivery_log, want 1", got)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.outbox`); got != 0 {
		t.Fatalf("the refused record wrote %d status events", got)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.notifications WHERE id = $1 AND status = 'pending'
		AND lease_owner = $2`, id, second); got != 1 {
		t.Fatal("the refused record changed the row or the new lease")
	}

	if err := d.record(ctx, n, sender.Name(), second, sent); err != nil {
		t.Fatalf("record by the lease owner: %v", err)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.notifications WHERE id = $1 AND status = 'sent'
		AND lease_owner IS NULL AND lease_until IS NULL`, id); got != 1 {
		t.Fatal("row not sent with its lease released")
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.delivery_log WHERE notification_id = $1
		AND attempt = 2 AND status = 'sent' AND provider_message_id = 'p-1'`, id); got != 1 {
		t.Fatal("want the owner's attempt logged as attempt 2")
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.outbox`); got != 1 {
		t.Fatalf("%d status events, want 1", got)
	}
	if n, _, _, _, err := d.claim(ctx, id); n != nil || err != nil {
		t.Fatalf("claim of a sent row: n=%v err=%v, want nothing to do", n, err)
	}
}
