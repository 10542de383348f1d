package stream_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/schemas"
)

const (
	copySchema = "copyproj"
	copyGroup  = "copy-contract"
)

// copyTable is a CopyBatch route's projection: one row per applied event, with no unique
// key on the event id so that a second effect would show, and party_size CHECKed so that
// a Failing event's row is refused (a permanent failure).
const copyTable = `CREATE TABLE copyproj.applied (
	event_id       uuid    NOT NULL,
	reservation_id uuid    NOT NULL,
	party_size     integer NOT NULL CHECK (party_size > 0),
	kafka_offset   bigint  NOT NULL,
	replay         boolean NOT NULL
)`

var copyColumns = []string{"event_id", "reservation_id", "party_size", "kafka_offset", "replay"}

func copyRow(ev *stream.Event[schemas.ReservationCreated]) ([]any, error) {
	return []any{ev.Meta.EventID, ev.Value.ReservationID, int32(ev.Value.PartySize), ev.Offset, ev.Replay}, nil
}

func migrateCopy(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	if _, err := migrate.Apply(ctx, pool, schema, stream.Migrations()); err != nil {
		return err
	}
	_, err := pool.Exec(ctx, copyTable)
	return err
}

// TestCopyBatchContract runs the processor contract suite (duplicates, rollback, poison,
// panic, stored offsets) on a CopyBatch route: the same guarantees as a handler route.
func TestCopyBatchContract(t *testing.T) {
	t.Parallel()
	copyContract(t, "copy", migrateCopy, "applied", func(schema string) stream.Route {
		into := stream.Projection{Table: pgx.Identifier{schema, "applied"}, Columns: copyColumns}
		return stream.CopyBatch(testproc.CreatedTopic, into, copyRow)
	})
}

// copyContract runs the contract suite on route, a CopyBatch route of reservation.created
// into table (whose event_id column counts an event's effects), events drawn from seed.
func copyContract(t *testing.T, seed string, migrate func(context.Context, *pgxpool.Pool, string) error, table string, route func(schema string) stream.Route) {
	g := testproc.Producer{Seed: seed}
	event := func(ev *schemas.ReservationCreated) streamtest.Event {
		return streamtest.Event{Key: ev.ReservationID, EventID: ev.Metadata.EventID, Schema: ev.Schema(), Value: ev}
	}
	streamtest.Run(t, streamtest.Subject{
		Group:   copyGroup,
		Schema:  copySchema,
		Migrate: migrate,
		Routes: func(schema string, _ *serde.Serde) ([]stream.Route, error) {
			return []stream.Route{route(schema)}, nil
		},
		Input: testproc.CreatedTopic,
		Valid: func(i int) streamtest.Event { return event(g.Created(i)) },
		Failing: func(i int) streamtest.Event {
			ev := g.Created(i)
			ev.PartySize = 0
			return event(ev)
		},
		Effects: func(ctx context.Context, pool *pgxpool.Pool, schema, eventID string) (int, error) {
			var n int
			err := pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{schema, table}.Sanitize()+` WHERE event_id = $1`, eventID).Scan(&n)
			return n, err
		},
		NoOutbox: true,
	})
}

// copyRig is a cluster and a database with a keyed projection for CopyBatch: one row per
// reservation, so that a second event of a reservation (a new event id) meets a taken key.
type copyRig struct {
	t    *testing.T
	env  *kafkatest.Env
	pool *pgxpool.Pool
	gen  testproc.Producer
}

func newCopyRig(t *testing.T) *copyRig {
	t.Helper()
	r := &copyRig{t: t, env: kafkatest.New(t), pool: pgtest.NewDB(t), gen: testproc.Producer{Seed: t.Name()}}
	ctx := context.Background()
	if _, err := migrate.Apply(ctx, r.pool, copySchema, stream.Migrations()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.pool.Exec(ctx, `CREATE TABLE copyproj.reservations (
		reservation_id uuid PRIMARY KEY,
		party_size     integer NOT NULL CHECK (party_size > 0),
		writes         integer NOT NULL DEFAULT 1)`); err != nil {
		t.Fatal(err)
	}
	streamtest.CreateTopics(t, r.env, 2, testproc.CreatedTopic)
	streamtest.CreateTopics(t, r.env, 1, topology.DeadLetterTopic(copyGroup))
	return r
}

// start runs a processor with a CopyBatch route into copyproj.reservations.
func (r *copyRig) start(onConflict string, mod func(*stream.Config)) *stream.Processor {
	r.t.Helper()
	into := stream.Projection{Table: pgx.Identifier{copySchema, "reservations"}, Columns: []string{"reservation_id", "party_size"}, OnConflict: onConflict}
	route := stream.CopyBatch(testproc.CreatedTopic, into, func(ev *stream.Event[schemas.ReservationCreated]) ([]any, error) {
		return []any{ev.Value.ReservationID, int32(ev.Value.PartySize)}, nil
	})
	cfg := stream.Config{Group: copyGroup, Brokers: r.env.Brokers, Pool: r.pool, Schema: copySchema,
		Routes: []stream.Route{route}, Serde: r.env.Serde, MaxBatchRecords: 7,
		Logger: streamtest.Logger(r.t, 0)}
	if mod != nil {
		mod(&cfg)
	}
	p, err := stream.New(cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

// produce produces created events [from, to); a non-zero round gives each a new event id
// and party size 100+round, as a second event about the same reservation.
func (r *copyRig) produce(from, to, round int) {
	r.t.Helper()
	cl := r.env.Client(r.t)
	for i := from; i < to; i++ {
		ev := r.gen.Created(i)
		if round > 0 {
			ev.Metadata.EventID = uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%s/%d/%d", r.t.Name(), i, round)).String()
			ev.PartySize = 100 + round
		}
		b, err := r.env.Serde.Encode(context.Background(), testproc.CreatedTopic, ev.Schema(), ev)
		if err != nil {
			r.t.Fatal(err)
		}
		rec := &kgo.Record{Topic: testproc.CreatedTopic, Key: []byte(ev.ReservationID), Value: b}
		if err := cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *copyRig) count(sql string) int {
	r.t.Helper()
	var n int
	if err := r.pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		r.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// stored is the sum of the group's stored next offsets: every record passed once it equals
// the number produced.
func (r *copyRig) stored() int {
	return r.count(`SELECT coalesce(sum(next_offset), 0)::int FROM copyproj.consumer_offsets`)
}

// TestCopyBatchOnConflict sends a second event for reservations already projected: the
// fast COPY meets the taken keys, and the batch is redone through the staging table with
// the route's ON CONFLICT, which updates the rows; nothing is dead-lettered.
func TestCopyBatchOnConflict(t *testing.T) {
	t.Parallel()
	r := newCopyRig(t)
	streamtest.Start(t, r.start(`(reservation_id) DO UPDATE SET party_size = EXCLUDED.party_size, writes = reservations.writes + 1`, nil))
	const n = 30
	r.produce(0, n, 0)
	r.produce(n/2, n, 1) // half of them again, under new event ids
	streamtest.Eventually(t, "every record passed", func() (bool, error) { return r.stored() == n+n/2, nil })
	if got := r.count(`SELECT count(*) FROM copyproj.reservations`); got != n {
		t.Errorf("%d rows, want %d", got, n)
	}
	if got := r.count(`SELECT count(*) FROM copyproj.reservations WHERE writes = 2 AND party_size = 101`); got != n/2 {
		t.Errorf("%d rows updated by their second event, want %d", got, n/2)
	}
	if got := r.count(`SELECT count(*) FROM copyproj.inbox`); got != n+n/2 {
		t.Errorf("%d inbox rows, want one per event (%d)", got, n+n/2)
	}
	if dl := streamtest.ReadTopic(t, r.env, topology.DeadLetterTopic(copyGroup)); len(dl) != 0 {
		t.Errorf("%d dead letters, want none", len(dl))
	}
}

// TestCopyBatchConflictWithoutOnConflict: a route that says nothing about taken keys
// refuses a row whose key is taken; the event is isolated and dead-lettered as permanent,
// and every other event of its batch is applied.
func TestCopyBatchConflictWithoutOnConflict(t *testing.T) {
	t.Parallel()
	r := newCopyRig(t)
	streamtest.Start(t, r.start("", nil))
	const n = 20
	r.produce(0, n, 0)
	r.produce(5, 6, 1) // reservation 5 again, under a new event id
	r.produce(n, n+10, 0)
	streamtest.Eventually(t, "every record passed", func() (bool, error) { return r.stored() == n+11, nil })
	if got := r.count(`SELECT count(*) FROM copyproj.reservations`); got != n+10 {
		t.Errorf("%d rows, want %d", got, n+10)
	}
	if got := r.count(`SELECT count(*) FROM copyproj.reservations WHERE party_size > 100`); got != 0 {
		t.Errorf("%d rows overwritten by the refused event", got)
	}
	dl := streamtest.ReadTopic(t, r.env, topology.DeadLetterTopic(copyGroup))
	if len(dl) != 1 {
		t.Fatalf("%d dead letters, want 1 (the second event of reservation 5)", len(dl))
	}
	if kind, _ := streamtest.Header(dl[0], stream.HeaderErrorKind); kind != string(stream.KindPermanent) {
		t.Errorf("dead letter kind %q, want %q", kind, stream.KindPermanent)
	}
}

// TestCopyBatchCrashAfterStoreCommit crashes a CopyBatch processor right after a store
// commit, before the Kafka commit, and restarts it without its stored offsets: the
// redelivered batches meet their ids in the inbox (the COPY fails, the slow path skips
// them), so each reservation's row is written once.
func TestCopyBatchCrashAfterStoreCommit(t *testing.T) {
	t.Parallel()
	r := newCopyRig(t)
	const n = 60
	r.produce(0, n, 0)
	first := r.start("", nil)
	var commits atomic.Int32
	stream.SetAfterCommit(first, func(string, int32, int64) bool { return commits.Add(1) == 3 })
	run := streamtest.Start(t, first)
	<-run.Done()
	if err := run.Err(); !errors.Is(err, stream.ErrCrashed) {
		t.Fatalf("first processor returned %v, want the simulated crash", err)
	}
	before := r.count(`SELECT count(*) FROM copyproj.reservations`)
	if before == 0 {
		t.Fatal("nothing was applied before the crash")
	}
	if _, err := r.pool.Exec(context.Background(), `DELETE FROM copyproj.consumer_offsets`); err != nil {
		t.Fatal(err)
	}
	// Without OnConflict a second write of a reservation would be a dead letter, and with
	// the inbox failing, a unique violation: the count below could not be n.
	streamtest.Start(t, r.start("", nil))
	streamtest.Eventually(t, "every record passed", func() (bool, error) { return r.stored() == n, nil })
	if got := r.count(`SELECT count(*) FROM copyproj.reservations`); got != n {
		t.Errorf("%d rows, want %d", got, n)
	}
	if dl := streamtest.ReadTopic(t, r.env, topology.DeadLetterTopic(copyGroup)); len(dl) != 0 {
		t.Errorf("%d dead letters, want none: the redelivered events were applied before", len(dl))
	}
}

// TestCopyBatchRefusesIncompleteProjection: a CopyBatch route without a table or columns
// stops New with one line naming the topic.
func TestCopyBatchRefusesIncompleteProjection(t *testing.T) {
	t.Parallel()
	route := stream.CopyBatch(testproc.CreatedTopic, stream.Projection{Table: pgx.Identifier{"s", "t"}}, copyRow)
	_, err := stream.New(stream.Config{Group: "g", Brokers: []string{"127.0.0.1:1"}, Pool: &pgxpool.Pool{}, Schema: "s",
		Serde: &serde.Serde{}, Routes: []stream.Route{route}})
	want := `route for "` + testproc.CreatedTopic + `": Projection.Columns is required`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("New = %v, want an error saying %q", err, want)
	}
}

// TestCopyBatchRewind rewinds a CopyBatch group to the start of its partitions: the events
// are COPYed again, marked Replay in the row function, and each appears once as live and
// once as a replay.
func TestCopyBatchRewind(t *testing.T) {
	t.Parallel()
	r := newCopyRig(t)
	ctx := context.Background()
	if _, err := r.pool.Exec(ctx, copyTable); err != nil {
		t.Fatal(err)
	}
	into := stream.Projection{Table: pgx.Identifier{copySchema, "applied"}, Columns: copyColumns}
	route := stream.CopyBatch(testproc.CreatedTopic, into, copyRow)
	start := func() *streamtest.Running {
		p, err := stream.New(stream.Config{Group: copyGroup, Brokers: r.env.Brokers, Pool: r.pool, Schema: copySchema,
			Routes: []stream.Route{route}, Serde: r.env.Serde, MaxBatchRecords: 7, Logger: streamtest.Logger(t, 0)})
		if err != nil {
			t.Fatal(err)
		}
		return streamtest.Start(t, p)
	}
	const n = 30
	r.produce(0, n, 0)
	run := start()
	streamtest.Eventually(t, "every record passed", func() (bool, error) { return r.stored() == n, nil })
	if err := run.Stop(); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		_, err := stream.Rewind(ctx, tx, copySchema, copyGroup, []stream.Position{
			{Topic: testproc.CreatedTopic, Partition: 0}, {Topic: testproc.CreatedTopic, Partition: 1}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	start()
	streamtest.Eventually(t, "every event applied again", func() (bool, error) {
		return r.count(`SELECT count(*) FROM copyproj.applied`) == 2*n, nil
	})
	if got := r.count(`SELECT count(*) FROM copyproj.applied WHERE replay`); got != n {
		t.Errorf("%d rows written as replays, want %d", got, n)
	}
	if got := r.count(`SELECT count(*) FROM (SELECT event_id FROM copyproj.applied GROUP BY event_id HAVING count(*) = 2 AND count(*) FILTER (WHERE replay) = 1) e`); got != n {
		t.Errorf("%d events applied once live and once as a replay, want %d", got, n)
	}
}
