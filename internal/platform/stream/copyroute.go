package stream

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Projection names the table a CopyBatch route fills: one row per new event.
type Projection struct {
	// Table is the projection's table, schema-qualified (pgx.Identifier{"svc", "facts"}).
	Table pgx.Identifier
	// Columns are the columns each row gives, in the row function's order.
	Columns []string
	// OnConflict is what to do with a row whose key the table holds already, as the text
	// after ON CONFLICT: "(reservation_id) DO NOTHING", or "(reservation_id) DO UPDATE SET
	// status = EXCLUDED.status". Empty: such a row fails its event permanently (isolated
	// and dead-lettered, like any permanent failure).
	OnConflict string
}

// CopyBatch routes topic to a projection the runtime writes itself: row turns each new
// event into one row of into.Table, and the batch's rows go in with COPY, in the batch's
// transaction, beside the inbox rows and the stored offset. It is the fastest route for an
// append-shaped projection (facts, history, one row per event) and close to a bare COPY of
// the same rows: the batch is taken for the optimistic case — every event new, no key
// taken — so the inbox claim is the plain insert every route's batch starts with (one
// statement that also moves the stored offset) and the projection rows are COPYed straight
// into their table: four round trips a batch (begin, claim, COPY, commit), as many as a
// HandleBatch upsert, with PostgreSQL spending up to a third less CPU per event than on the
// upsert (BenchmarkReplayCopy beside BenchmarkReplay). (COPYing the inbox rows too was
// measured and dropped: the offset move then needs a statement of its own, one more round
// trip, for no CPU saved.)
//
// Why a route of its own rather than COPY inside a HandleBatch handler: COPY cannot skip a
// row, so the runtime, which knows which events are new, must be the one to write them.
// When the inbox knows an event id of the batch already (a redelivery, a rewind's overlap,
// two copies of one event) or a row's key is taken and OnConflict says what to do, the COPY
// fails, the transaction is rolled back and the batch is redone the slow way: the inbox
// claim with ON CONFLICT DO NOTHING names the new events, their rows are COPYed into a
// temporary staging table, and one INSERT … SELECT … ON CONFLICT moves them into the
// table. The effects are the same either way: each event id applied once, its row written
// in the transaction that stores the offset.
//
// row is called once per new event, in partition order; an error (or a panic) fails that
// event like a handler's (Permanent, Transient, or retried up to MaxAttempts). Give each
// value in its column's binary type ([16]byte for a uuid, pgtype.Numeric for a numeric,
// time.Time for a timestamp): pgx's COPY is binary only, and a string for a uuid or numeric
// column (or a uuid.UUID, whose driver.Valuer gives a string) is encoded by failing first
// and parsing it then, which costs more than the row's insert. Events of
// one batch that write the same key meet OnConflict only on the slow path, where a DO
// UPDATE cannot touch one row twice in a statement; the batch is then split until the two
// are apart, so projections that update a key per event belong in HandleBatch.
func CopyBatch[T any, P Message[T]](topic string, into Projection, row func(ev *Event[T]) ([]any, error)) Route {
	reader := P(new(T)).Schema()
	target := newCopyTarget(into)
	return Route{topic: topic, copy: target, impl: func() decodedBatch {
		return &typedBatch[T, P]{reader: reader, row: row, columns: len(into.Columns)}
	}}
}

// copyTarget is a CopyBatch route's projection with its statements.
type copyTarget struct {
	table      pgx.Identifier
	columns    []string
	stage      pgx.Identifier // the slow path's temporary staging table
	stageSQL   string         // creates stage, dropped at the end of the transaction
	insertSQL  string         // moves stage's rows into table
	onConflict bool           // insertSQL resolves a taken key: a fast COPY meeting one redoes the batch
	problem    string         // why the projection is unusable, for Config's validation
}

func newCopyTarget(p Projection) *copyTarget {
	t := &copyTarget{table: p.Table, columns: p.Columns}
	switch {
	case len(p.Table) == 0:
		t.problem = "Projection.Table is required"
	case len(p.Columns) == 0:
		t.problem = "Projection.Columns is required"
	}
	// One staging table per projection, so two CopyBatch routes sharing a connection
	// never meet in one; named by a hash since temporary names live beside the session's.
	h := fnv.New32a()
	h.Write([]byte(p.Table.Sanitize()))
	t.stage = pgx.Identifier{fmt.Sprintf("stream_copy_stage_%08x", h.Sum32())}
	cols := make([]string, len(p.Columns))
	for i, c := range p.Columns {
		cols[i] = pgx.Identifier{c}.Sanitize()
	}
	list := strings.Join(cols, ", ")
	// CREATE TABLE AS … WITH NO DATA gives the staging table the projection's column types
	// exactly, so the COPY encodes the rows as it would for the table itself.
	t.stageSQL = `CREATE TEMPORARY TABLE ` + t.stage.Sanitize() + ` ON COMMIT DROP AS SELECT ` + list +
		` FROM ` + p.Table.Sanitize() + ` WITH NO DATA`
	t.insertSQL = `INSERT INTO ` + p.Table.Sanitize() + ` (` + list + `) SELECT ` + list + ` FROM ` + t.stage.Sanitize()
	if p.OnConflict != "" {
		t.insertSQL += ` ON CONFLICT ` + p.OnConflict
		t.onConflict = true
	}
	return t
}

// rows builds the rows of the slots in sel (ascending) into dst, marking replays and
// running intercept first, each event inside the panic guard, so a failure names its event.
func (b *typedBatch[T, P]) rows(ctx context.Context, sel []int, replayUntil int64, intercept Intercept, dst [][]any) ([][]any, error) {
	dst = dst[:0]
	for _, i := range sel {
		ev := &b.events[i]
		ev.Replay = ev.Offset < replayUntil
		var r []any
		err := guard(func() error {
			if intercept != nil {
				if err := intercept(ctx, ev.Topic, ev.Meta); err != nil {
					return err
				}
			}
			var err error
			r, err = b.row(ev)
			return err
		})
		if err == nil && len(r) != b.columns {
			err = Permanent(fmt.Errorf("row has %d values for %d columns", len(r), b.columns))
		}
		if err != nil {
			return dst, &eventError{index: i, offset: ev.Offset, err: err}
		}
		dst = append(dst, r)
	}
	return dst, nil
}

// copyRows writes the rows of the new events (w.sel) into the route's projection. On the
// fast path (every id of the batch was new) they are COPYed into the table; a taken key
// with OnConflict set returns errKnownID, so attempt redoes the batch the slow way, which
// COPYs them into the staging table and moves them across with OnConflict applied.
func (w *worker) copyRows(tx pgx.Tx, fast bool) error {
	ctx, t := w.ctx, w.copy
	var err error
	w.rows, err = w.batch.rows(ctx, w.sel, w.replayUntil, w.p.cfg.Intercept, w.rows)
	defer clear(w.rows) // drop the batch's values
	if err != nil {
		return fmt.Errorf("handler: %w", err)
	}
	if fast {
		_, err := tx.CopyFrom(ctx, t.table, t.columns, pgx.CopyFromRows(w.rows))
		if uniqueViolation(err) && t.onConflict {
			return errKnownID
		}
		if err != nil {
			return fmt.Errorf("handler: copy into %s: %w", t.table.Sanitize(), err)
		}
		return nil
	}
	if _, err := tx.Exec(ctx, t.stageSQL); err != nil {
		return &storeError{"create staging table", err}
	}
	if _, err := tx.CopyFrom(ctx, t.stage, t.columns, pgx.CopyFromRows(w.rows)); err != nil {
		return fmt.Errorf("handler: copy into staging table: %w", err)
	}
	if _, err := tx.Exec(ctx, t.insertSQL); err != nil {
		return fmt.Errorf("handler: insert into %s: %w", t.table.Sanitize(), err)
	}
	return nil
}
