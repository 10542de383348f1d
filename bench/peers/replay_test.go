package peers

import (
	"context"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/testkit/cpustat"
	"github.com/novatrek/support/schemas"
)

// projection is the table every contender fills: one row per reservation.
const projection = `CREATE TABLE peers.reservations (
	reservation_id uuid PRIMARY KEY,
	guest_id       uuid          NOT NULL,
	trip_id        text          NOT NULL,
	party_size     integer       NOT NULL,
	status         text          NOT NULL,
	total_price    numeric(18,4) NOT NULL,
	currency       text          NOT NULL,
	occurred_at    timestamptz   NOT NULL
)`

// facts is the event-keyed table of the "replay, event-keyed" group: the same rows keyed
// by the event id (one row per event, as an analytics fact table is), which every
// contender of that group writes. Its key is what lets the runtime's CopyBatch skip the
// inbox (stream.Projection.EventIDColumn): a duplicate event meets it.
const facts = `CREATE TABLE peers.reservation_facts (
	event_id       uuid          PRIMARY KEY,
	reservation_id uuid          NOT NULL,
	guest_id       uuid          NOT NULL,
	trip_id        text          NOT NULL,
	party_size     integer       NOT NULL,
	status         text          NOT NULL,
	total_price    numeric(18,4) NOT NULL,
	currency       text          NOT NULL,
	occurred_at    timestamptz   NOT NULL
)`

var (
	reservationsTable = pgx.Identifier{"peers", "reservations"}
	factsTable        = pgx.Identifier{"peers", "reservation_facts"}
	factColumns       = append([]string{"event_id"}, columns...)
)

// factRow is v's row of the facts table: its event id, then row's values.
func factRow(v *schemas.ReservationCreated) []any {
	return append([]any{[16]byte(uuid.MustParse(v.Metadata.EventID))}, row(v)...)
}

var columns = []string{"reservation_id", "guest_id", "trip_id", "party_size", "status", "total_price", "currency", "occurred_at"}

// upsert writes a batch of rows in one statement; a redelivered event overwrites its row.
const upsert = `INSERT INTO peers.reservations
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::numeric[], $7::text[], $8::timestamptz[])
ON CONFLICT (reservation_id) DO UPDATE SET status = EXCLUDED.status, occurred_at = EXCLUDED.occurred_at`

// row is one event's row, in the order of columns, each value in its column's binary type
// (a uuid as [16]byte, the price as a pgtype.Numeric): pgx's COPY is binary only, and a
// string for a uuid or numeric column (or a uuid.UUID, whose driver.Valuer gives a string)
// is encoded by first failing, then parsing it, which costs more per row than the insert.
func row(v *schemas.ReservationCreated) []any {
	return []any{[16]byte(uuid.MustParse(v.ReservationID)), [16]byte(uuid.MustParse(v.GuestID)), v.TripID, int32(v.PartySize), v.Status,
		numeric4(v.TotalPrice.Amount), v.TotalPrice.Currency, v.Metadata.OccurredAt}
}

// numeric4 is r (a decimal(18,4) from Avro) as a numeric with four decimal places.
func numeric4(r *big.Rat) pgtype.Numeric {
	scaled := new(big.Int).Mul(r.Num(), big.NewInt(10_000))
	return pgtype.Numeric{Int: scaled.Quo(scaled, r.Denom()), Exp: -4, Valid: true}
}

// writeRows upserts rows (each from row) in one statement, column arrays built here.
func writeRows(ctx context.Context, tx pgx.Tx, rows [][]any) error {
	cols := make([][]any, len(columns))
	for _, r := range rows {
		for i, v := range r {
			cols[i] = append(cols[i], v)
		}
	}
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = c
	}
	_, err := tx.Exec(ctx, upsert, args...)
	return err
}

// progress counts the rows each contender's transactions insert into the replay tables, in
// those transactions: a statement trigger adds one row per statement with its row count, so
// awaitRows reads a sum over a few hundred small rows instead of counting the table. (It
// used to poll count(*) on the table every 20 ms, which on 200,000 rows cost PostgreSQL
// about 20 ms a poll, half a core for as long as the contender ran — charged to the
// contender's PostgreSQL CPU and taken from its two cores, the more the slower it was.)
// The trigger fires for every contender alike, raw COPY included.
const progress = `CREATE TABLE peers.progress (
	tbl text   NOT NULL,
	n   bigint NOT NULL
);
CREATE FUNCTION peers.count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO peers.progress SELECT TG_TABLE_NAME, count(*) FROM new_rows;
	RETURN NULL;
END $$;
CREATE TRIGGER progress AFTER INSERT ON peers.reservations
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION peers.count_rows();
CREATE TRIGGER progress AFTER INSERT ON peers.reservation_facts
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION peers.count_rows()`

// emptyTable truncates a replay table and forgets its progress rows.
func emptyTable(ctx context.Context, pool *pgxpool.Pool, table pgx.Identifier) error {
	if _, err := pool.Exec(ctx, `TRUNCATE `+table.Sanitize()); err != nil {
		return err
	}
	_, err := pool.Exec(ctx, `DELETE FROM peers.progress WHERE tbl = $1`, table[len(table)-1])
	return err
}

// awaitRows waits until the contender's committed transactions have inserted n rows into
// table (see progress).
func awaitRows(ctx context.Context, pool *pgxpool.Pool, table pgx.Identifier, n int, failed <-chan error) error {
	for {
		var got int
		if err := pool.QueryRow(ctx, `SELECT coalesce(sum(n), 0) FROM peers.progress WHERE tbl = $1`, table[len(table)-1]).Scan(&got); err != nil {
			return err
		}
		if got >= n {
			return nil
		}
		select {
		case err := <-failed:
			return fmt.Errorf("stopped with %d of %d rows: %w", got, n, err)
		case <-ctx.Done():
			return fmt.Errorf("%d of %d rows: %w", got, n, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// upsertConflict is upsert's conflict clause, for the CopyBatch route's slow path.
const upsertConflict = `(reservation_id) DO UPDATE SET status = EXCLUDED.status, occurred_at = EXCLUDED.occurred_at`

// replayOursCopy is the stream runtime with the projection as a CopyBatch route: each
// batch's inbox rows and projection rows COPYed in the batch's transaction beside the stored
// offset, the upsert's conflict clause applied through a staging table only to a batch that
// meets a known id or a taken key.
func replayOursCopy(ctx context.Context, w *world, group string) (time.Duration, error) {
	into := stream.Projection{Table: pgx.Identifier{"peers", "reservations"}, Columns: columns, OnConflict: upsertConflict}
	route := stream.CopyBatch(topic, into, func(ev *stream.Event[schemas.ReservationCreated]) ([]any, error) {
		return row(&ev.Value), nil
	})
	return replayRuntime(ctx, w, group, route)
}

// replayOursKeyed is the stream runtime with the facts table as an event-keyed CopyBatch
// route: the runtime writes each event's id into the table's key, which is its inbox, so a
// batch claims only the stored offset (in its transaction) beside the COPY.
func replayOursKeyed(ctx context.Context, w *world, group string) (time.Duration, error) {
	into := stream.Projection{Table: factsTable, EventIDColumn: "event_id", Columns: columns}
	route := stream.CopyBatch(topic, into, func(ev *stream.Event[schemas.ReservationCreated]) ([]any, error) {
		return row(&ev.Value), nil
	})
	return replayRuntimeInto(ctx, w, group, factsTable, route)
}

// replayOurs is the stream runtime as a service runs it: batches of up to
// stream.DefaultMaxBatchRecords, the inbox claiming every event id and the stored offsets
// written in the batch's transaction, one upsert per batch.
func replayOurs(ctx context.Context, w *world, group string) (time.Duration, error) {
	route := stream.HandleBatch(topic, func(ctx context.Context, tx pgx.Tx, evs []stream.Event[schemas.ReservationCreated]) error {
		rows := make([][]any, len(evs))
		for i := range evs {
			rows[i] = row(&evs[i].Value)
		}
		return writeRows(ctx, tx, rows)
	})
	return replayRuntime(ctx, w, group, route)
}

// withCPU wraps a replay contender so that it also prints the CPU time it cost per event:
// this process's (the contender's, and the in-process broker's serving its fetches) and the
// PostgreSQL backends'. Unlike its rate, a contender's CPU time hardly moves with the
// machine's load, so on a shared machine it is the steadier comparison.
func withCPU(ctx context.Context, w *world, name string, run func() (time.Duration, error)) func() (time.Duration, error) {
	return func() (time.Duration, error) {
		proc, server := cpustat.Process(), backendsCPU(ctx, w)
		d, err := run()
		proc, server = cpustat.Process()-proc, backendsCPU(ctx, w)-server
		perEvent := func(c time.Duration) float64 { return float64(c.Microseconds()) / float64(w.n) }
		fmt.Fprintf(os.Stderr, "peers: %s: cpu %.1f µs/event in this process, %.1f in postgres, %.1f in all\n",
			name, perEvent(proc), perEvent(server), perEvent(proc+server))
		return d, err
	}
}

// backendsCPU is the CPU time of the PostgreSQL backends of the world's database; 0 when
// they cannot be read (the figure then shows 0 rather than failing the run).
func backendsCPU(ctx context.Context, w *world) time.Duration {
	d, _ := cpustat.Backends(ctx, w.pool)
	return d
}

// replayRuntime runs a stream processor with route until the projection holds every row.
func replayRuntime(ctx context.Context, w *world, group string, route stream.Route) (time.Duration, error) {
	return replayRuntimeInto(ctx, w, group, reservationsTable, route)
}

// replayRuntimeInto runs a stream processor with route until table holds every row.
func replayRuntimeInto(ctx context.Context, w *world, group string, table pgx.Identifier, route stream.Route) (time.Duration, error) {
	reg := prometheus.NewRegistry()
	p, err := stream.New(stream.Config{Group: group, Brokers: w.brokers, Pool: w.pool, Schema: "peers",
		Routes: []stream.Route{route}, Serde: w.serde, Metrics: reg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return 0, err
	}
	d, err := w.runInto(ctx, table, func(ctx context.Context) error { return p.Run(ctx) })
	printBatches(group, reg)
	return d, err
}

// printBatches prints how many transactions the runtime's run took and their mean size:
// per-transaction costs (a commit's WAL flush, the stored offset) spread over fewer events
// in smaller batches.
func printBatches(group string, reg *prometheus.Registry) {
	mfs, err := reg.Gather()
	if err != nil {
		return
	}
	for _, mf := range mfs {
		if mf.GetName() != "novatrek_stream_batch_records" {
			continue
		}
		var n uint64
		var sum float64
		for _, m := range mf.GetMetric() {
			n += m.GetHistogram().GetSampleCount()
			sum += m.GetHistogram().GetSampleSum()
		}
		if n > 0 {
			fmt.Fprintf(os.Stderr, "peers: %s: %d transactions, %.0f records each on average\n", group, n, sum/float64(n))
		}
	}
}
