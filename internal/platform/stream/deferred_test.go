package stream_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/schemas"
)

// TestDeferredWrites queues every write with stream.Deferred. All events wait on one
// partition before the processor starts, so they share batches. Two events queue a write
// that breaks CHECK (party_size > 0): one in the middle (its writes are sent before the next
// event's handler) and the last (its writes go out with the COMMIT). Each of them alone is
// dead-lettered as permanent with the deferred statement's error, every other event is
// applied once; a per-event handler reads, on tx, the rows of every earlier event of its
// partition — the writes deferred by earlier events of its own batch included.
func TestDeferredWrites(t *testing.T) {
	t.Parallel()
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 1)
			const n = 40
			bad := map[string]bool{r.gen.Created(17).Metadata.EventID: true, r.gen.Created(n - 1).Metadata.EventID: true}
			var mu sync.Mutex
			seen := map[int64]int{} // offset → applied rows of lower offsets the handler read (last attempt)
			apply := func(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationCreated]) error {
				w := stream.Deferred(ctx, tx)
				if bad[ev.Meta.EventID] {
					_, err := w.Exec(ctx, `INSERT INTO testproc.reservations (reservation_id, guest_id, trip_id, party_size, status) VALUES ($1, $2, $3, 0, 'NEW')`,
						ev.Value.ReservationID, ev.Value.GuestID, ev.Value.TripID)
					return err
				}
				_, err := w.Exec(ctx, `INSERT INTO testproc.applied_events (event_id, reservation_id, topic, kafka_partition, kafka_offset) VALUES ($1, $2, $3, $4, $5)`,
					ev.Meta.EventID, ev.Value.ReservationID, ev.Topic, ev.Partition, ev.Offset)
				return err
			}
			route := stream.Handle(testproc.CreatedTopic, func(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationCreated]) error {
				var c int
				if err := tx.QueryRow(ctx, `SELECT count(*) FROM testproc.applied_events WHERE kafka_offset < $1`, ev.Offset).Scan(&c); err != nil {
					return err
				}
				mu.Lock()
				seen[ev.Offset] = c
				mu.Unlock()
				return apply(ctx, tx, ev)
			})
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
			p, _ := r.processor(r.pool, batch, func(cfg *stream.Config) { cfg.Routes = []stream.Route{route} })
			r.produceCreated(0, n)
			streamtest.Start(t, p)
			streamtest.Eventually(t, "the stored offset at the partition's end", func() (bool, error) {
				return r.stored()[testproc.CreatedTopic][0] == n, nil
			})

			if got := r.applied(); got != n-2 {
				t.Errorf("%d events applied, want %d", got, n-2)
			}
			if got := r.count(`SELECT count(*) FROM (SELECT event_id FROM testproc.applied_events GROUP BY event_id HAVING count(*) > 1) twice`); got != 0 {
				t.Errorf("%d events applied more than once", got)
			}
			if got := r.count(`SELECT count(*) FROM testproc.reservations`); got != 0 {
				t.Errorf("%d rows of the failing events kept, want none", got)
			}
			dls := streamtest.ReadTopic(t, r.env, topology.DeadLetterTopic(testproc.Group))
			if len(dls) != 2 {
				t.Fatalf("%d dead letters, want 2", len(dls))
			}
			for i, want := range []int64{17, n - 1} {
				if off, _ := streamtest.Header(dls[i], stream.HeaderSourceOffset); off != fmt.Sprint(want) {
					t.Errorf("dead letter %d is of offset %s, want %d", i, off, want)
				}
				if k, _ := streamtest.Header(dls[i], stream.HeaderErrorKind); k != string(stream.KindPermanent) {
					t.Errorf("dead letter %d kind %q, want permanent", i, k)
				}
				if msg, _ := streamtest.Header(dls[i], stream.HeaderError); !strings.Contains(msg, "deferred statement") || !strings.Contains(msg, "party_size") {
					t.Errorf("dead letter %d error %q does not name the deferred statement's check", i, msg)
				}
			}
			if batch {
				return
			}
			for off := range int64(n) {
				want := int(off)
				if off > 17 {
					want-- // event 17 was dead-lettered
				}
				if off == 17 || off == n-1 {
					continue
				}
				if seen[off] != want {
					t.Errorf("the handler of offset %d read %d earlier events, want %d", off, seen[off], want)
				}
			}
		})
	}
}

// TestHandlerTransactionRoundTrips counts the round trips of each transaction of a
// per-event route, one event at a time: the BEGIN travels with the inbox claim, so a
// handler whose three writes go through stream.Deferred costs two round trips per event
// (BEGIN + claim; writes + COMMIT), and one sending them at once five.
func TestHandlerTransactionRoundTrips(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		routes func(*testproc.Processor) []stream.Route
		want   int
	}{
		{"deferred", (*testproc.Processor).DeferredRoutes, 2},
		{"serial", (*testproc.Processor).Routes, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 1)
			trips := &roundTrips{open: map[*pgx.Conn]int{}}
			cfg, err := pgxpool.ParseConfig(r.url)
			if err != nil {
				t.Fatal(err)
			}
			cfg.ConnConfig.Tracer = trips
			pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(pool.Close)
			tp, err := testproc.New(r.schema, r.env.Serde)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := r.processor(pool, false, func(cfg *stream.Config) { cfg.Routes = tc.routes(tp) })
			streamtest.Start(t, p)
			const n = 5
			for i := range n {
				r.produceCreated(i, i+1)
				r.waitApplied(i + 1)
			}
			streamtest.Eventually(t, "every transaction traced", func() (bool, error) { return len(trips.committed()) >= n, nil })
			for i, c := range trips.committed() {
				if c != tc.want {
					t.Errorf("transaction %d took %d round trips, want %d", i, c, tc.want)
				}
			}
		})
	}
}

// roundTrips counts, per connection, the round trips (statements and pipelines) from a
// BEGIN to its COMMIT.
type roundTrips struct {
	mu   sync.Mutex
	open map[*pgx.Conn]int
	done []int
}

func (rt *roundTrips) committed() []int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]int(nil), rt.done...)
}

func (rt *roundTrips) trip(conn *pgx.Conn, sqls ...string) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if strings.HasPrefix(strings.ToLower(sqls[0]), "begin") {
		rt.open[conn] = 0
	}
	c, ok := rt.open[conn]
	if !ok {
		return // outside a transaction: loading offsets, pruning
	}
	rt.open[conn] = c + 1
	if sqls[len(sqls)-1] == "commit" {
		rt.done = append(rt.done, c+1)
		delete(rt.open, conn)
	}
}

func (rt *roundTrips) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	rt.trip(conn, data.SQL)
	return ctx
}

func (rt *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (rt *roundTrips) TraceBatchStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	sqls := make([]string, len(data.Batch.QueuedQueries))
	for i, q := range data.Batch.QueuedQueries {
		sqls[i] = q.SQL
	}
	if len(sqls) > 0 {
		rt.trip(conn, sqls...)
	}
	return ctx
}

func (rt *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (rt *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}
