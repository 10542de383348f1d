package stream_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/schemas"
)

// TestHandlerPanic gives a handler that panics on one event: the process keeps running,
// every other record on every partition commits, and the panicking one is dead-lettered
// with kind panic after its retries, counted in novatrek_stream_panics_total.
func TestHandlerPanic(t *testing.T) {
	t.Parallel()
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 3)
			const n = 60
			marked := r.gen.Created(17).Metadata.EventID
			apply := func(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationCreated]) error {
				if ev.Meta.EventID == marked {
					var m map[string]int
					m["boom"]++ // a nil-map write: the kind of bug a panic comes from
				}
				_, err := tx.Exec(ctx, `INSERT INTO testproc.applied_events (event_id, reservation_id, topic, kafka_partition, kafka_offset) VALUES ($1, $2, $3, $4, $5)`,
					ev.Meta.EventID, ev.Value.ReservationID, ev.Topic, ev.Partition, ev.Offset)
				return err
			}
			route := stream.Handle(testproc.CreatedTopic, apply)
			if batch {
				route = stream.HandleBatch(testproc.CreatedTopic, func(ctx context.Context, tx pgx.Tx, evs []stream.Event[schemas.ReservationCreated]) error {
					for _, ev := range evs {
						if err := apply(ctx, tx, ev); err != nil {
							return err
						}
					}
					return nil
				})
			}
			p, reg := r.processor(r.pool, batch, func(cfg *stream.Config) {
				cfg.Routes = []stream.Route{route}
				cfg.MaxAttempts = 3
			})
			r.produceCreated(0, n)
			running := streamtest.Start(t, p)
			r.waitApplied(n - 1)
			streamtest.Eventually(t, "every partition's stored offset at its end", func() (bool, error) {
				var sum int64
				for _, off := range r.stored()[testproc.CreatedTopic] {
					sum += off
				}
				return sum == n, nil
			})
			select {
			case <-running.Done():
				t.Fatalf("processor stopped: %v", running.Err())
			default:
			}

			dls := streamtest.ReadTopic(t, r.env, topology.DeadLetterTopic(testproc.Group))
			if len(dls) != 1 {
				t.Fatalf("%d dead letters, want 1", len(dls))
			}
			if k, _ := streamtest.Header(dls[0], stream.HeaderErrorKind); k != string(stream.KindPanic) {
				t.Errorf("dead letter kind %q, want %q", k, stream.KindPanic)
			}
			if msg, _ := streamtest.Header(dls[0], stream.HeaderError); !strings.Contains(msg, "handler panicked: assignment to entry in nil map") {
				t.Errorf("dead letter error %q", msg)
			}
			if got := r.count(`SELECT count(*) FROM testproc.applied_events WHERE event_id = $1`, marked); got != 0 {
				t.Errorf("the panicking event was applied %d times", got)
			}
			if got := metric(t, reg, "novatrek_stream_panics_total", nil); got < 3 {
				t.Errorf("novatrek_stream_panics_total = %v, want at least MaxAttempts (3)", got)
			}
			if got := metric(t, reg, "novatrek_stream_dead_letters_total", map[string]string{"kind": "panic"}); got != 1 {
				t.Errorf("dead_letters_total{kind=panic} = %v, want 1", got)
			}
		})
	}
}
