package delivery

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/valkey-io/valkey-go"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/processors/notifications/provider"
)

// failAfter guards against hangs; it is not a speed requirement.
const failAfter = 60 * time.Second

// Every rig has its own Config.StreamPrefix, so the tests share Valkey database 0 and run
// in parallel without taking each other's jobs.

type rig struct {
	t    *testing.T
	pool *pgxpool.Pool
	vk   valkey.Client
	// streams are this rig's own stream names (Config.StreamPrefix is unique per rig).
	streams Streams
	fake    *providerfake.SendGrid
	env     *kafkatest.Env
	cfg     Config
	count   int
}

// rigValkeyDB is the test Valkey database of the rigs (internal/testkit/valkeytest never hands out
// database 0); each rig's streams have their own prefix within it.
const rigValkeyDB = 10

func newRig(t *testing.T) *rig {
	t.Helper()
	prefix := "test." + uuid.NewString()
	cfg, fake, env := emailSetup(t, rigValkeyDB, prefix)
	cfg.PollInterval, cfg.SweepInterval, cfg.StaleAfter = 20*time.Millisecond, 50*time.Millisecond, time.Hour
	cfg.ClaimMinIdle, cfg.NackResendDelay = 300*time.Millisecond, 50*time.Millisecond
	cfg.RetryInterval, cfg.BreakerOpenFor, cfg.RatePerSecond = 10*time.Millisecond, 100*time.Millisecond, 10000
	return &rig{t: t, pool: cfg.Pool, vk: cfg.Valkey, streams: StreamsFor(prefix), fake: fake, env: env, cfg: cfg}
}

// insert adds n pending email rows of priority and returns their ids.
func (r *rig) insert(n int, priority string) []string {
	r.t.Helper()
	ids := make([]string, n)
	src := uuid.NewString()
	for i := range ids {
		r.count++
		ids[i] = uuid.NewString()
		addr := fmt.Sprintf("guest-%d@example.com", r.count)
		if _, err := r.pool.Exec(context.Background(), `INSERT INTO notifications.notifications (id, source_event_id,
			source_topic, kind, recipient, recipient_type, recipient_id, address, channel, category, locale,
			template_name, subject, body, priority, status) VALUES ($1, $2, 't', 'BOOKING_CONFIRMATION', $3, 'GUEST', $4,
			$5, 'email', 'transactional', 'en', 'booking', 'Hi', 'Body', $6, 'pending')`,
			ids[i], src, "GUEST:"+addr, addr, addr, priority); err != nil {
			r.t.Fatal(err)
		}
	}
	return ids
}

// run starts a Delivery with cfg until the test ends and returns it.
func (r *rig) run(cfg Config) *Delivery {
	r.t.Helper()
	return startDelivery(r.t, cfg)
}

func (r *rig) countWhere(q string, args ...any) int {
	r.t.Helper()
	var n int
	if err := r.pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		r.t.Fatal(err)
	}
	return n
}

func (r *rig) eventually(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(failAfter)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// allSent waits until every row is sent, then checks exactly-once delivery and one SENT
// event per row in the outbox.
func (r *rig) allSent(n int) {
	r.t.Helper()
	r.eventually("all sent", func() bool {
		return r.countWhere(`SELECT count(*) FROM notifications.notifications WHERE status = 'sent'`) == n
	})
	if d := r.fake.Duplicates(); len(d) > 0 {
		r.t.Fatalf("delivered more than once: %v", d)
	}
	if got := r.fake.AcceptedTotal(); got != n {
		r.t.Fatalf("provider accepted %d, want %d", got, n)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.outbox`); got != n {
		r.t.Fatalf("%d status events in the outbox, want %d", got, n)
	}
	if got := r.countWhere(`SELECT count(DISTINCT notification_id) FROM notifications.delivery_log
		WHERE status = 'sent' AND provider_message_id IS NOT NULL`); got != n {
		r.t.Fatalf("%d sent attempts logged, want %d", got, n)
	}
}

func TestDeliversPendingRowsOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.insert(20, "routine")
	r.insert(5, "emergency")
	r.run(r.cfg)
	r.allSent(25)
}

func TestCrashBetweenPublishAndCommit(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.insert(10, "routine")
	cfg := r.cfg
	var crashes atomic.Int32
	cfg.afterPublish = func() error {
		if crashes.Add(1) <= 2 {
			return errors.New("simulated crash")
		}
		return nil
	}
	r.run(cfg)
	r.allSent(10)
	// The first round always crashes after publishing. Whether a second round crashes too
	// depends on timing: the workers may send the published jobs (status sent) before the
	// dispatcher polls again, and then nothing is left to re-publish. Either way every
	// notification went out once (allSent).
	if crashes.Load() < 1 {
		t.Fatalf("the hook ran %d times", crashes.Load())
	}
}

func TestOutageOpensCircuitAndLosesNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.fake.StartOutage(503)
	r.insert(30, "routine")
	cfg := r.cfg
	cfg.BreakerFailures = 3
	d := r.run(cfg)
	breaker := d.senders[provider.Email].(*breakerSender)
	// Every row's job has come to a worker and been turned away by the open circuit (at
	// least 30 refusals), so the whole batch has been dispatched and handled at least once.
	r.eventually("the open circuit refused every row", func() bool { return breaker.rejected.Load() >= 30 })
	calls := r.fake.CallCount()
	// The rows wait, "deferred" until the circuit lets a call through (or "queued" when
	// their job is out again). A retryable failure or an open circuit appends to
	// delivery_log and defers the row; it never finishes it, records a served member or
	// emits a status event.
	if got := r.countWhere(`SELECT count(*) FROM notifications.notifications
		WHERE status IN ('queued', 'deferred')`); got != 30 {
		t.Fatalf("%d rows waiting during the outage, want all 30", got)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.delivery_members`) +
		r.countWhere(`SELECT count(*) FROM notifications.outbox`); got != 0 {
		t.Fatalf("%d served members or status events during the outage, want 0", got)
	}
	// Without the breaker each of the 30 jobs would have called the provider MaxRetries+1
	// times before its first refusal could happen.
	if calls >= 30 {
		t.Fatalf("%d provider calls while the circuit refused 30 jobs: the circuit did not spare the provider", calls)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.delivery_log WHERE status <> 'retry'`); got != 0 {
		t.Fatalf("%d non-retry attempts logged during the outage", got)
	}
	r.fake.Heal()
	r.allSent(30)
}

func TestEmergencyPassesRoutineBacklog(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.fake.SetLatency(100 * time.Millisecond)
	r.insert(2000, "routine")
	cfg := r.cfg
	cfg.RoutineWorkers = 2
	r.run(cfg)
	r.eventually("routine backlog queued", func() bool {
		return r.countWhere(`SELECT count(*) FROM notifications.notifications WHERE status = 'queued'`) > 1900
	})
	em := r.insert(1, "emergency")
	r.eventually("emergency sent", func() bool {
		return r.countWhere(`SELECT count(*) FROM notifications.notifications WHERE id = $1 AND status = 'sent'`, em[0]) == 1
	})
	if left := r.countWhere(`SELECT count(*) FROM notifications.notifications WHERE status = 'queued'`); left < 1000 {
		t.Fatalf("only %d routine jobs were still queued when the emergency went out", left)
	}
}
