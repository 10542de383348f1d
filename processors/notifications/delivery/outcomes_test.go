package delivery

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/valkeystream"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/schemas"
)

// poisoned reads the poison stream with a consumer group of its own, closed when the test ends.
func (r *rig) poisoned(t *testing.T) <-chan *message.Message {
	t.Helper()
	sub, err := valkeystream.NewSubscriber(valkeystream.SubscriberConfig{Client: r.vk, ConsumerGroup: "poison-reader"},
		watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	ch, err := sub.Subscribe(t.Context(), r.streams.Poison)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func (r *rig) statusOf(id string) string {
	r.t.Helper()
	var s string
	if err := r.pool.QueryRow(context.Background(), `SELECT status FROM notifications.notifications WHERE id = $1`,
		id).Scan(&s); err != nil {
		r.t.Fatal(err)
	}
	return s
}

func TestPermanentRefusalFailsRowWithDecodableEvent(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ids := r.insert(1, "routine")
	r.fake.Reject("guest-1@example.com") // SendGrid's 400: a refusal no retry can change
	r.run(r.cfg)
	r.eventually("row failed", func() bool { return r.statusOf(ids[0]) == "failed" })

	if calls := r.fake.CallCount(); calls != 1 {
		t.Fatalf("provider called %d times, want 1 (a permanent refusal is not retried)", calls)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.delivery_log
		WHERE notification_id = $1 AND status = 'failed' AND error_code IS NOT NULL`, ids[0]); got != 1 {
		t.Fatalf("%d failed attempts with an error code logged, want 1", got)
	}
	var topic string
	var key, value []byte
	if err := r.pool.QueryRow(t.Context(), `SELECT topic, key, value FROM notifications.outbox`).Scan(&topic, &key,
		&value); err != nil {
		t.Fatalf("read the status event: %v", err)
	}
	if topic != intake.StatusTopic || string(key) != ids[0] {
		t.Fatalf("status event on %s with key %q, want %s / %s", topic, key, intake.StatusTopic, ids[0])
	}
	var ev schemas.NotificationDeliveryStatusChanged
	if err := r.env.Serde.Decode(t.Context(), value, ev.Schema(), &ev); err != nil {
		t.Fatalf("decode the status event: %v", err)
	}
	if ev.Status != "FAILED" || ev.NotificationID != ids[0] || ev.Channel != "EMAIL" || ev.Attempt != 1 ||
		ev.Provider != "sendgrid" || ev.ErrorMessage == nil || ev.Metadata.EventType != "notification.delivery_status_changed" {
		t.Fatalf("status event %+v", ev)
	}
}

func TestSweeperRepublishesLostJob(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ids := r.insert(1, "routine")
	cfg := r.cfg
	cfg.StaleAfter = time.Minute
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := d.dispatch(t.Context(), false); err != nil || n != 1 {
		t.Fatalf("dispatch = %d, %v", n, err)
	}
	// The job is lost (Valkey lost the stream) and the row has sat queued past StaleAfter.
	if err := r.vk.Do(t.Context(), r.vk.B().Del().Key(r.streams.Routine).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.pool.Exec(t.Context(), `UPDATE notifications.notifications
		SET updated_at = now() - interval '1 hour' WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	if s := r.statusOf(ids[0]); s != "queued" {
		t.Fatalf("status %s before the sweep, want queued", s)
	}
	r.run(cfg)
	r.allSent(1)
	if got := r.countWhere(`SELECT count(*) FROM notifications.delivery_log WHERE notification_id = $1`, ids[0]); got != 1 {
		t.Fatalf("%d attempts, want 1", got)
	}
}

// flakySender fails the first call to one address with a retryable error, as a provider
// 503 on the second member of a group would; every other call goes to the real client.
type flakySender struct {
	provider.Sender
	failTo string
	once   sync.Once
}

func (f *flakySender) Send(ctx context.Context, m provider.Message) (provider.Result, error) {
	fail := false
	if m.To == f.failTo {
		f.once.Do(func() { fail = true })
	}
	if fail {
		return provider.Result{}, &provider.Retryable{Err: errors.New("simulated 503")}
	}
	return f.Sender.Send(ctx, m)
}

func TestGroupDeliversOncePerMemberAndRetrySkipsServed(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	members := []Address{{Member: "STAFF:s-1", To: "s1@example.com"}, {Member: "STAFF:s-2", To: "s2@example.com"},
		{Member: "STAFF:s-3", To: "s3@example.com"}}
	id := uuid.NewString()
	if _, err := r.pool.Exec(t.Context(), `INSERT INTO notifications.notifications (id, source_event_id,
		source_topic, kind, recipient, recipient_type, channel, category, locale, template_name, subject, body,
		priority, status) VALUES ($1, $2, 't', 'WILDLIFE_ALERT', 'group:operations-staff', 'STAFF', 'email', 'safety',
		'en', 'wildlife', 'Bear', 'Body', 'emergency', 'pending')`, id, uuid.NewString()); err != nil {
		t.Fatal(err)
	}
	cfg := r.cfg
	cfg.Directory = StaticDirectory{"group:operations-staff": {provider.Email: members}}
	cfg.Senders = map[provider.Channel]provider.Sender{
		provider.Email: &flakySender{Sender: r.cfg.Senders[provider.Email], failTo: "s2@example.com"}}
	r.run(cfg)
	r.eventually("group sent", func() bool { return r.statusOf(id) == "sent" })

	for _, m := range members {
		if got := r.fake.AcceptedFor(m.To); got != 1 {
			t.Fatalf("%s accepted %d times, want 1", m.To, got)
		}
	}
	if d := r.fake.Duplicates(); len(d) > 0 {
		t.Fatalf("delivered more than once: %v", d)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.delivery_members WHERE notification_id = $1`, id); got != 3 {
		t.Fatalf("%d served members recorded, want 3", got)
	}
	// s-1 sent, s-2 retry; then the retry skips s-1: s-2 sent, s-3 sent.
	rows, err := r.pool.Query(t.Context(), `SELECT status FROM notifications.delivery_log WHERE notification_id = $1
		ORDER BY attempt`, id)
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		log = append(log, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"sent", "retry", "sent", "sent"}; len(log) != len(want) || log[0] != want[0] ||
		log[1] != want[1] || log[2] != want[2] || log[3] != want[3] {
		t.Fatalf("delivery log %v, want %v", log, want)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.outbox`); got != 1 {
		t.Fatalf("%d status events, want 1", got)
	}
}

func TestRetryAfterIsHonouredWithinCap(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                  string
		retryAfter, cap, want time.Duration
	}{
		{name: "below cap", retryAfter: time.Second, cap: DefaultMaxRetryAfter, want: time.Second},
		{name: "capped", retryAfter: 10 * time.Second, cap: time.Second, want: time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			ids := r.insert(1, "routine")
			r.fake.RateLimitNext(1, tc.retryAfter)
			cfg := r.cfg
			cfg.MaxRetryAfter = tc.cap
			r.run(cfg)
			r.allSent(1)
			var first, second time.Time
			var s1, s2 string
			if err := r.pool.QueryRow(t.Context(), `SELECT a.status, a.at, b.status, b.at
				FROM notifications.delivery_log a JOIN notifications.delivery_log b USING (notification_id)
				WHERE notification_id = $1 AND a.attempt = 1 AND b.attempt = 2`, ids[0]).Scan(&s1, &first, &s2,
				&second); err != nil {
				t.Fatalf("read attempts 1 and 2: %v", err)
			}
			if s1 != "retry" || s2 != "sent" {
				t.Fatalf("attempts %s, %s; want retry, sent", s1, s2)
			}
			gap := second.Sub(first)
			if gap < tc.want {
				t.Fatalf("second attempt %s after the 429, want at least %s", gap, tc.want)
			}
			// The cap, not the provider's longer Retry-After, decides (jitter adds ≤ 10%).
			if tc.retryAfter > tc.cap && gap >= tc.retryAfter {
				t.Fatalf("second attempt %s after the 429: the %s cap was not applied", gap, tc.cap)
			}
		})
	}
}

func TestPoisonJobsGoToPoisonQueue(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.run(r.cfg)
	pub, err := valkeystream.NewPublisher(valkeystream.PublisherConfig{Client: r.vk}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	unknown := uuid.NewString()
	if err := pub.Publish(r.streams.Routine, message.NewMessage(watermill.NewUUID(), []byte(unknown)),
		message.NewMessage(watermill.NewUUID(), []byte("not a notification id"))); err != nil {
		t.Fatal(err)
	}
	ch := r.poisoned(t)
	got := map[string]bool{}
	for len(got) < 2 {
		select {
		case msg := <-ch:
			got[string(msg.Payload)] = true
			msg.Ack()
		case <-time.After(failAfter):
			t.Fatalf("poison queue has %v, want the unknown id and the unreadable payload", got)
		}
	}
	if !got[unknown] || !got["not a notification id"] {
		t.Fatalf("poison queue has %v", got)
	}
	if calls := r.fake.CallCount(); calls != 0 {
		t.Fatalf("provider called %d times for poison jobs", calls)
	}
}
