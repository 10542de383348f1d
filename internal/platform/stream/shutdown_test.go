package stream_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/schemas"
)

// gate is a handler over created events that blocks in the handler until released.
type gate struct {
	entered chan struct{}
	release chan struct{}
}

func (g *gate) handle(ctx context.Context, tx pgx.Tx, evs []stream.Event[schemas.ReservationCreated]) error {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	for _, ev := range evs {
		if _, err := tx.Exec(ctx, `INSERT INTO testproc.applied_events (event_id, reservation_id, topic, kafka_partition, kafka_offset) VALUES ($1, $2, $3, $4, $5)`,
			ev.Meta.EventID, ev.Value.ReservationID, ev.Topic, ev.Partition, ev.Offset); err != nil {
			return err
		}
	}
	return nil
}

// restartFinishes starts a fresh processor and checks that it brings the n created
// records on partition 0 to exactly n effects, with the stored offset at the end.
func restartFinishes(t *testing.T, r *rig, n int) {
	t.Helper()
	p, _ := r.processor(r.pool, false, nil)
	streamtest.Start(t, p)
	r.waitApplied(n)
	streamtest.Eventually(t, "stored offset at the end", func() (bool, error) {
		return r.stored()[testproc.CreatedTopic][0] == int64(n), nil
	})
	if got := r.applied(); got != n {
		t.Errorf("%d effects, want %d", got, n)
	}
}

// TestShutdownFinishesInFlightBatch cancels the processor while a batch is in its handler:
// the batch still commits, Kafka gets the stored offsets, and Run returns nil.
func TestShutdownFinishesInFlightBatch(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	const n = 40
	r.produceCreated(0, n)
	g := &gate{entered: make(chan struct{}, 1), release: make(chan struct{})}
	p, _ := r.processor(r.pool, false, func(cfg *stream.Config) {
		cfg.Routes = []stream.Route{stream.HandleBatch(testproc.CreatedTopic, g.handle)}
	})
	var once sync.Once
	stopAsked := make(chan struct{})
	stream.SetBeforeStop(p, func() { once.Do(func() { close(stopAsked) }) })
	run := streamtest.Start(t, p)
	<-g.entered

	stopped := make(chan error, 1)
	go func() { stopped <- run.Stop() }()
	<-stopAsked
	close(g.release) // the handler finishes after the stop was asked for
	if err := <-stopped; err != nil {
		t.Fatalf("Run returned %v after a clean shutdown", err)
	}
	applied := r.applied()
	if applied == 0 {
		t.Fatal("the in-flight batch was not committed")
	}
	stored := r.stored()[testproc.CreatedTopic][0]
	if int(stored) != applied {
		t.Errorf("stored offset %d, want %d (the committed records)", stored, applied)
	}
	o, ok := r.committed().Lookup(testproc.CreatedTopic, 0)
	if !ok || o.At != stored {
		t.Errorf("kafka offset %v (present %v), want the stored %d", o.At, ok, stored)
	}

	// A restart picks up exactly where the shutdown left.
	restartFinishes(t, r, n)
}

// TestShutdownAbandonsStuckBatch cancels the processor while a batch is stuck in its
// handler past StopTimeout: the batch is rolled back, and a restart applies it once.
func TestShutdownAbandonsStuckBatch(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	const n = 40
	r.produceCreated(0, n)
	g := &gate{entered: make(chan struct{}, 1), release: make(chan struct{})} // never released
	p, _ := r.processor(r.pool, false, func(cfg *stream.Config) {
		cfg.Routes = []stream.Route{stream.HandleBatch(testproc.CreatedTopic, g.handle)}
		cfg.StopTimeout = 50 * time.Millisecond
	})
	run := streamtest.Start(t, p)
	<-g.entered
	if err := run.Stop(); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if got := r.applied(); got != 0 {
		t.Fatalf("%d effects of the abandoned batch, want 0", got)
	}
	if _, ok := r.stored()[testproc.CreatedTopic][0]; ok {
		t.Fatal("the abandoned batch moved the stored offset")
	}

	restartFinishes(t, r, n)
}

// TestShutdownSettlesAbandonedCommit cancels the processor while a batch's COMMIT is stuck
// in PostgreSQL past StopTimeout, stuck in a way a cancel request does not stop (a deferred
// constraint trigger waits for a lock the test holds and shrugs off cancels, as a COMMIT
// waiting for a synchronous standby does). Walking away from a COMMIT on the wire leaves it
// to land after Run returned, unmarked in Kafka and unseen by the runtime — and, after a
// crash, after a restart already loaded the stored offsets, so the batch is redelivered.
// The worker must wait for PostgreSQL's answer: the batch then counts as committed.
func TestShutdownSettlesAbandonedCommit(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	const n = 40
	r.produceCreated(0, n)
	ctx := context.Background()
	if _, err := r.pool.Exec(ctx, `
CREATE SEQUENCE testproc.commit_cancels;
CREATE FUNCTION testproc.wait_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	LOOP
		BEGIN
			PERFORM pg_advisory_xact_lock(4242);
			RETURN NULL;
		EXCEPTION WHEN query_canceled THEN
			PERFORM nextval('testproc.commit_cancels'); -- counted, then ignored
		END;
	END LOOP;
END $$;
CREATE CONSTRAINT TRIGGER wait_at_commit AFTER INSERT ON testproc.applied_events
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION testproc.wait_at_commit()`); err != nil {
		t.Fatal(err)
	}
	lock, err := r.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	if _, err := lock.Exec(ctx, `SELECT pg_advisory_lock(4242)`); err != nil {
		t.Fatal(err)
	}

	p, _ := r.processor(r.pool, false, func(cfg *stream.Config) { cfg.StopTimeout = 50 * time.Millisecond })
	run := streamtest.Start(t, p)
	var pid uint32
	streamtest.Eventually(t, "the batch's COMMIT waiting for the lock", func() (bool, error) {
		err := r.pool.QueryRow(ctx, `SELECT pid FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`).Scan(&pid)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	})
	stopped := make(chan error, 1)
	go func() { stopped <- run.Stop() }()
	// Past StopTimeout the batch is abandoned: PostgreSQL is asked to cancel the COMMIT.
	streamtest.Eventually(t, "a cancel request reaching the COMMIT", func() (bool, error) {
		return r.count(`SELECT count(*) FROM pg_sequences WHERE sequencename = 'commit_cancels' AND last_value IS NOT NULL`) == 1, nil
	})
	if _, err := lock.Exec(ctx, `SELECT pg_advisory_unlock(4242)`); err != nil {
		t.Fatal(err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Run returned %v after a clean shutdown", err)
	}
	streamtest.Eventually(t, "the COMMIT's backend idle or gone", func() (bool, error) {
		return r.count(`SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state <> 'idle'`, pid) == 0, nil
	})

	stored, ok := r.stored()[testproc.CreatedTopic][0]
	if !ok || r.applied() != int(stored) {
		t.Fatalf("stored offset %d (present %v), %d effects: the batch did not commit as a whole", stored, ok, r.applied())
	}
	if o, ok := r.committed().Lookup(testproc.CreatedTopic, 0); !ok || o.At != stored {
		t.Fatalf("kafka offset %v (present %v), want the stored %d: the processor returned before the COMMIT it abandoned was settled", o.At, ok, stored)
	}
	if _, err := r.pool.Exec(ctx, `DROP TRIGGER wait_at_commit ON testproc.applied_events`); err != nil {
		t.Fatal(err)
	}
	restartFinishes(t, r, n)
}
