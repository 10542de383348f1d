package stream_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/schemas"
)

// factsTable is an event-keyed projection: one row per event, keyed by the event id, with
// the position each row was written from (so a test can tell which copy of an event won) and
// party_size CHECKed so that a Failing event's row is refused.
const factsTable = `CREATE TABLE copyproj.facts (
	event_id       uuid    PRIMARY KEY,
	reservation_id uuid    NOT NULL,
	party_size     integer NOT NULL CHECK (party_size > 0),
	kafka_partition integer NOT NULL,
	kafka_offset   bigint  NOT NULL
)`

// factsInto is the event-keyed projection of factsTable in schema; the runtime fills
// event_id, factRow the rest.
func factsInto(schema string) stream.Projection {
	return stream.Projection{Table: pgx.Identifier{schema, "facts"}, EventIDColumn: "event_id",
		Columns: []string{"reservation_id", "party_size", "kafka_partition", "kafka_offset"}}
}

func factRow(ev *stream.Event[schemas.ReservationCreated]) ([]any, error) {
	return []any{ev.Value.ReservationID, int32(ev.Value.PartySize), ev.Partition, ev.Offset}, nil
}

// TestEventKeyedContract runs the processor contract suite (duplicates, rollback, poison,
// panic, stored offsets) on a CopyBatch route whose table's key is the inbox.
func TestEventKeyedContract(t *testing.T) {
	t.Parallel()
	migrate := func(ctx context.Context, pool *pgxpool.Pool, schema string) error {
		if err := migrateCopy(ctx, pool, schema); err != nil {
			return err
		}
		_, err := pool.Exec(ctx, strings.Replace(factsTable, "copyproj.", pgx.Identifier{schema}.Sanitize()+".", 1))
		return err
	}
	copyContract(t, "keyed", migrate, "facts", func(schema string) stream.Route {
		return stream.CopyBatch(testproc.CreatedTopic, factsInto(schema), factRow)
	})
}

// keyedRig is a copyRig with the facts table.
func keyedRig(t *testing.T) *copyRig {
	t.Helper()
	r := newCopyRig(t)
	if _, err := r.pool.Exec(context.Background(), factsTable); err != nil {
		t.Fatal(err)
	}
	return r
}

// startKeyed builds a processor with an event-keyed CopyBatch route into copyproj.facts,
// registering its metrics in reg (a fresh registry when nil).
func (r *copyRig) startKeyed(reg *prometheus.Registry) *stream.Processor {
	r.t.Helper()
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	route := stream.CopyBatch(testproc.CreatedTopic, factsInto(copySchema), factRow)
	p, err := stream.New(stream.Config{Group: copyGroup, Brokers: r.env.Brokers, Pool: r.pool, Schema: copySchema,
		Routes: []stream.Route{route}, Serde: r.env.Serde, MaxBatchRecords: 7, Metrics: reg, Logger: streamtest.Logger(r.t, 0)})
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

// checkFacts fails the test unless the facts table holds exactly one row for each of the
// n events, written from the event's first copy in its partition, the group's inbox is
// empty, and nothing was dead-lettered.
func (r *copyRig) checkFacts(n int) {
	r.t.Helper()
	if got := r.count(`SELECT count(*) FROM copyproj.facts`); got != n {
		r.t.Errorf("%d fact rows, want one per event (%d)", got, n)
	}
	// produce sends every copy of an event under one key, so to one partition, and each
	// round in the same order: the first copies of a partition's k events are its offsets
	// 0 to k-1.
	if got := r.count(`SELECT count(*) FROM copyproj.facts f
		WHERE kafka_offset >= (SELECT count(*) FROM copyproj.facts g WHERE g.kafka_partition = f.kafka_partition)`); got != 0 {
		r.t.Errorf("%d rows written from a later copy of their event, want none", got)
	}
	if got := r.count(`SELECT count(*) FROM copyproj.inbox`); got != 0 {
		r.t.Errorf("%d inbox rows, want none: the table's key is the inbox", got)
	}
	if dl := streamtest.ReadTopic(r.t, r.env, topology.DeadLetterTopic(copyGroup)); len(dl) != 0 {
		r.t.Errorf("%d dead letters, want none", len(dl))
	}
}

// TestEventKeyedDuplicates sends every event twice, the second copies at later offsets (in
// later batches; two copies in one batch are the contract suite's duplicate test), then once more:
// each event has one row, from its first copy, and no inbox row. The events occurred long
// before the inbox retention, yet none counts as beyond the inbox horizon: the table's key
// is never pruned.
func TestEventKeyedDuplicates(t *testing.T) {
	t.Parallel()
	r := keyedRig(t)
	reg := prometheus.NewRegistry()
	streamtest.Start(t, r.startKeyed(reg))
	const n = 30
	r.produce(0, n, 0)
	r.produce(0, n, 0)
	streamtest.Eventually(t, "every record passed", func() (bool, error) { return r.stored() == 2*n, nil })
	r.produce(n-3, n, 0) // a redelivery into a caught-up partition
	streamtest.Eventually(t, "the redelivery passed", func() (bool, error) { return r.stored() == 2*n+3, nil })
	r.checkFacts(n)
	if d := metric(t, reg, "novatrek_stream_records_total", map[string]string{"outcome": "duplicate"}); d != n+3 {
		t.Errorf("%v records counted as duplicates, want %d", d, n+3)
	}
	if b := metric(t, reg, "novatrek_stream_beyond_inbox_horizon_total", nil); b != 0 {
		t.Errorf("%v events counted beyond the inbox horizon, want none", b)
	}
}

// TestEventKeyedCrashAfterStoreCommit crashes an event-keyed processor right after a store
// commit, before the Kafka commit, and restarts it without its stored offsets: the
// redelivered batches meet their events in the table (the COPY fails, the slow path skips
// them), so each event's row is written once.
func TestEventKeyedCrashAfterStoreCommit(t *testing.T) {
	t.Parallel()
	r := keyedRig(t)
	const n = 60
	r.produce(0, n, 0)
	first := r.startKeyed(nil)
	var commits atomic.Int32
	stream.SetAfterCommit(first, func(string, int32, int64) bool { return commits.Add(1) == 3 })
	run := streamtest.Start(t, first)
	<-run.Done()
	if err := run.Err(); !errors.Is(err, stream.ErrCrashed) {
		t.Fatalf("first processor returned %v, want the simulated crash", err)
	}
	if r.count(`SELECT count(*) FROM copyproj.facts`) == 0 {
		t.Fatal("nothing was applied before the crash")
	}
	if _, err := r.pool.Exec(context.Background(), `DELETE FROM copyproj.consumer_offsets`); err != nil {
		t.Fatal(err)
	}
	streamtest.Start(t, r.startKeyed(nil))
	streamtest.Eventually(t, "every record passed", func() (bool, error) { return r.stored() == n, nil })
	if got := r.count(`SELECT count(*) FROM copyproj.facts`); got != n {
		t.Errorf("%d rows, want %d", got, n)
	}
	if got := r.count(`SELECT count(*) FROM copyproj.inbox`); got != 0 {
		t.Errorf("%d inbox rows, want none", got)
	}
}

// TestEventKeyedRewindAndRebuild rewinds an event-keyed group to the start: the re-read
// events find their rows and are skipped (a row is a function of its event). A rebuild
// (table cleared with the inbox, then rewound) writes every row again.
func TestEventKeyedRewindAndRebuild(t *testing.T) {
	t.Parallel()
	r := keyedRig(t)
	ctx := context.Background()
	const n = 30
	r.produce(0, n, 0)
	run := streamtest.Start(t, r.startKeyed(nil))
	streamtest.Eventually(t, "every record passed", func() (bool, error) { return r.stored() == n, nil })
	stopRun := func() {
		if err := run.Stop(); err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	}
	stopRun()
	toStart := []stream.Position{{Topic: testproc.CreatedTopic, Partition: 0}, {Topic: testproc.CreatedTopic, Partition: 1}}
	rewind := func(clear bool) {
		t.Helper()
		err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
			if clear {
				if _, err := tx.Exec(ctx, `TRUNCATE copyproj.facts`); err != nil {
					return err
				}
				if _, err := stream.ClearInbox(ctx, tx, copySchema, copyGroup); err != nil {
					return err
				}
			}
			_, err := stream.Rewind(ctx, tx, copySchema, copyGroup, toStart)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	rewind(false)
	reg := prometheus.NewRegistry()
	run = streamtest.Start(t, r.startKeyed(reg))
	streamtest.Eventually(t, "the rewound records passed as duplicates", func() (bool, error) {
		return metric(t, reg, "novatrek_stream_records_total", map[string]string{"outcome": "duplicate"}) == n, nil
	})
	stopRun()
	r.checkFacts(n)

	rewind(true)
	run = streamtest.Start(t, r.startKeyed(nil))
	streamtest.Eventually(t, "every event written again", func() (bool, error) {
		return r.count(`SELECT count(*) FROM copyproj.facts`) == n, nil
	})
	stopRun()
	r.checkFacts(n)
}

// TestEventKeyedRefusesTableWithoutKey: an EventIDColumn that is not the table's key would
// let a duplicate write a second row, so Run stops with one line naming the column; New
// refuses OnConflict beside it and Columns naming it.
func TestEventKeyedRefusesTableWithoutKey(t *testing.T) {
	t.Parallel()
	r := newCopyRig(t)
	if _, err := r.pool.Exec(context.Background(), copyTable); err != nil { // event_id without a key
		t.Fatal(err)
	}
	into := stream.Projection{Table: pgx.Identifier{copySchema, "applied"}, EventIDColumn: "event_id",
		Columns: []string{"reservation_id", "party_size", "kafka_offset", "replay"}}
	route := stream.CopyBatch(testproc.CreatedTopic, into, func(ev *stream.Event[schemas.ReservationCreated]) ([]any, error) {
		return []any{ev.Value.ReservationID, int32(ev.Value.PartySize), ev.Offset, ev.Replay}, nil
	})
	p, err := stream.New(stream.Config{Group: copyGroup, Brokers: r.env.Brokers, Pool: r.pool, Schema: copySchema,
		Routes: []stream.Route{route}, Serde: r.env.Serde, Logger: streamtest.Logger(t, 0)})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Run(context.Background())
	want := `Projection.EventIDColumn "event_id" is not the key of "copyproj"."applied"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Run = %v, want an error saying %q", err, want)
	}
	// Keys ON CONFLICT cannot use, a key that is not a uuid, and no table at all.
	if _, err := r.pool.Exec(context.Background(), `
		CREATE TABLE copyproj.deferred (event_id uuid UNIQUE DEFERRABLE INITIALLY IMMEDIATE);
		CREATE TABLE copyproj.texty (event_id text PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]string{
		"deferred": `Projection.EventIDColumn "event_id" is not the key of "copyproj"."deferred"`,
		"texty":    `Projection.EventIDColumn "event_id" is not the key of "copyproj"."texty"`,
		"missing":  `the projection's table "copyproj"."missing" does not exist`,
	} {
		into := stream.Projection{Table: pgx.Identifier{copySchema, table}, EventIDColumn: "event_id", Columns: into.Columns}
		p, err := stream.New(stream.Config{Group: copyGroup, Brokers: r.env.Brokers, Pool: r.pool, Schema: copySchema,
			Routes: []stream.Route{stream.CopyBatch(testproc.CreatedTopic, into, copyRow)}, Serde: r.env.Serde, Logger: streamtest.Logger(t, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(context.Background()); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: Run = %v, want an error saying %q", table, err, want)
		}
	}

	for _, bad := range []struct {
		into stream.Projection
		want string
	}{
		{stream.Projection{Table: into.Table, Columns: into.Columns, EventIDColumn: "event_id", OnConflict: "(event_id) DO NOTHING"}, "OnConflict cannot be set with EventIDColumn"},
		{stream.Projection{Table: into.Table, Columns: copyColumns, EventIDColumn: "event_id"}, `Columns names the EventIDColumn "event_id"`},
	} {
		_, err := stream.New(stream.Config{Group: "g", Brokers: []string{"127.0.0.1:1"}, Pool: r.pool, Schema: "s",
			Serde: r.env.Serde, Routes: []stream.Route{stream.CopyBatch(testproc.CreatedTopic, bad.into, copyRow)}})
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("New = %v, want an error saying %q", err, bad.want)
		}
	}
}
