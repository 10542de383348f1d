package delivery

import (
	"context"
	"testing"
	"time"

	"github.com/novatrek/support/processors/notifications/provider"
)

// lateAnswer accepts through the real client, then holds the answer until the caller's
// context ends: a provider that accepted a message but answered as the job's time ran out.
type lateAnswer struct{ provider.Sender }

func (l lateAnswer) Send(ctx context.Context, m provider.Message) (provider.Result, error) {
	res, err := l.Sender.Send(ctx, m)
	if err == nil {
		<-ctx.Done()
	}
	return res, err
}

// TestAcceptedSendIsRecordedWhenTheJobsTimeRunsOut: the provider's acceptance arrives when
// the job's provider time is used up. The outcome is still recorded (record has its own
// time, kept out of HandlerTimeout), so the message is accepted once, with one sent attempt
// and one status event; recording on the job's own context would fail as the Timeout
// cancels it, and the job's next run would send the message again.
func TestAcceptedSendIsRecordedWhenTheJobsTimeRunsOut(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.insert(1, "routine")
	cfg := r.cfg
	cfg.HandlerTimeout = 1200 * time.Millisecond
	cfg.Senders = map[provider.Channel]provider.Sender{provider.Email: lateAnswer{r.cfg.Senders[provider.Email]}}
	r.run(cfg)
	r.allSent(1)
}

// TestCallbackBeforeRecordKeepsTheLaterStatus: the provider's "delivered" callback lands
// between the call and record (the fakes post it the moment they accept). record logs the
// attempt and releases the lease but leaves "delivered" as it is and emits no SENT event
// after it; a row a callback already marked "sent" gets no second SENT event either.
func TestCallbackBeforeRecordKeepsTheLaterStatus(t *testing.T) {
	t.Parallel()
	for _, callback := range []string{"delivered", "failed", "sent"} {
		t.Run(callback, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			d, err := New(r.cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			id := r.insert(1, "routine")[0]
			n, sender, _, lease, err := d.claim(ctx, id)
			if err != nil || n == nil {
				t.Fatalf("claim: n=%v err=%v", n, err)
			}
			// What callbacks.apply does to the row (processors/notifications/callbacks.go).
			if _, err := r.pool.Exec(ctx, `UPDATE notifications.notifications SET status = $2, updated_at = now()
				WHERE id = $1 AND status IN ('pending', 'deferred', 'queued')`, id, callback); err != nil {
				t.Fatal(err)
			}
			sent := outcome{attempts: []attempt{{member: n.recipient, status: "sent", providerID: "p-1", serve: true}},
				final: "sent", finalID: "p-1"}
			if err := d.record(ctx, n, sender.Name(), lease, sent); err != nil {
				t.Fatalf("record: %v", err)
			}
			if got := r.countWhere(`SELECT count(*) FROM notifications.notifications WHERE id = $1 AND status = $2
				AND lease_owner IS NULL AND lease_until IS NULL`, id, callback); got != 1 {
				t.Fatalf("status %s, want the callback's %s kept with the lease released", r.statusOf(id), callback)
			}
			if got := r.countWhere(`SELECT count(*) FROM notifications.delivery_log WHERE notification_id = $1
				AND status = 'sent' AND provider_message_id = 'p-1'`, id); got != 1 {
				t.Fatal("the attempt was not logged")
			}
			if got := r.countWhere(`SELECT count(*) FROM notifications.outbox`); got != 0 {
				t.Fatalf("record emitted %d status events after the callback's status", got)
			}
		})
	}
}
