package stream_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/stream"
	"github.com/novatrek/support/internal/stream/streamtest"
	"github.com/novatrek/support/internal/testproc"
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
