package stream

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
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
	// EventIDColumn, when set, makes the table's own key the inbox (see "Keyed by the
	// event id" at CopyBatch): the runtime writes each event's id into this column itself
	// (row gives only Columns, which must not name it), and Table must have a PRIMARY KEY
	// or unique index on this column alone (checked when the processor starts). A copy of
	// an event the table holds meets the key and is skipped, so the batch claims no inbox
	// rows. Not with OnConflict: the key's conflict is the duplicate, DO NOTHING.
	EventIDColumn string
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
//
// # Keyed by the event id
//
// A projection with one row per event keyed by the event id (facts, history) needs no
// inbox row: its own key says which events it holds. With Projection.EventIDColumn set the
// batch's claim only moves the stored offset, and the rows (the runtime puts each event's
// id into that column) are COPYed as before. It is sound because the key is the id the
// inbox would have claimed, written in the same transaction as the stored offset: a copy
// of an applied event (a redelivery, a relay's retry, the same id at another offset or on
// another partition) meets the key, the COPY fails, and the batch is redone the slow way
// with INSERT … SELECT … ON CONFLICT (column) DO NOTHING RETURNING, which skips it and
// names the new events (of two copies inside one batch the first in offset order is
// kept). Unlike the inbox the key is never pruned, so no duplicate gets past the inbox
// horizon. A rewind re-reads the partition and finds the rows still there: each re-read
// event is skipped (its row is already what it would write), so rows must be a function
// of the event alone, not of Event.Replay or the time of handling; to write them again,
// rebuild (clear the table with the inbox, service.Spec.Rebuild). On the slow path row
// (and Config.Intercept) is also called for a copy the table already holds; its row is
// dropped by the conflict. The route's events claim nothing in the group's inbox, so
// another route of the group (a HandleBatch on another topic) does not see them as known.
//
// Measured (bench/peers, group "replay keyed", 2026-12-07 23:12–23:24 UTC, loaded machine,
// load average 48–75): against the inbox claim it saves PostgreSQL 3–5 µs of CPU an event
// (the inbox's random-uuid B-tree insert and heap row; 4.5–7.2 µs left against the
// inbox-keeping route's 9–11), and the route replays at 0.76–1.19× the hand-written COPY
// loop into the same table on kfake (0.34–0.42 of raw COPY), 1.45× and 3.15× on Apache
// Kafka; with the inbox, 0.46–1.03× and 0.28–0.78× (see the README's "Beside the peers").
//
// # What the inbox costs
//
// Measured 2026-12-08 02:08–02:42 UTC on the loaded 2-core machine (load average 5–16),
// bench/peers with 200,000 events on kfake, seven runs, CPU µs an event, this process +
// PostgreSQL: this route with the inbox 8.2–9.5 + 9.8–10.7 (18–20), the hand COPY loop
// (no inbox) 6.3–7.7 + 2.6–3.7 (8.9–11.4), raw COPY 1.3–2.3 + 2.4–3.3, the event-keyed mode
// 7.0–8.6 + 4.5–5.3. At load 5–7 the route ran at 0.46–0.90× the loop (0.17–0.22 of raw
// COPY), the event-keyed mode at 1.10–1.16× its loop. On two cores the rate follows the
// total, so a route that needs about 1.9× the loop's CPU an event cannot reach the loop's
// rate on a quiet machine (on a loaded one its six workers win a larger share of the cores
// than the loop's one thread: 1.12× and 1.23× the loop at load 12–16, a share of the
// machine, not a saving).
//
// BenchmarkInboxClaim takes the claim alone, six partitions at once (four runs, 02:19–02:34
// UTC, load 11–18): PostgreSQL spends 0.25–0.35 µs an event moving the offset, 5.1–5.6
// claiming random ids in the inbox and 2.7–3.1 claiming ids that grow. So about half of
// the inbox's cost is its key's randomness (each batch writes a leaf page per id all over
// a B-tree that outgrows the CPU caches, where ids that grow fill its last pages), the rest
// the heap row and its index entry. The ideas weighed against it:
//
//   - a slimmer row, an integer group id and topic id instead of their text in every row
//     and index entry (stream.SlimInbox in the benchmark): 4.4–4.7 µs against 5.1–5.4 in
//     the same runs, 0.7 saved (the BRIN index on handled_at costs 0.15–0.25 of the rest,
//     in a scratch run). Not built: readers and writers outside this package name the
//     inbox's columns (the soak's invariants, servicetest, notifications' tests deleting
//     rows by event_id), so the table would have to become a view with INSTEAD OF triggers
//     over the new one, for a seventh of its cost;
//   - a key that grows: an inbox unique on (group, occurred_at, event_id) would be appended
//     at its right edge and still catch a second copy of the same bytes, but it is unsound
//     here: a producer that rebuilds an event on a retry or a replay (a service restored
//     from a backup re-applying its gap) derives the id from the cause, while occurred_at
//     defaults to the time of building (event.Meta), and a key holding the time would apply
//     that copy again. A claim keyed by (group, partition, offset) catches only
//     redeliveries, which the stored offset catches already; what catches one event
//     published twice is a unique index on the id, and one on random ids is written at
//     random;
//   - overlapping batch k+1's decoding with batch k's commit: the six partition workers
//     already overlap the process's CPU with PostgreSQL's (about 1.6 of the two cores busy
//     in the quiet run of 00:18 UTC), so what is left to win is CPU, not waiting.
//
// A projection keyed by the event id (above) writes no inbox row and is the CopyBatch
// that reaches the hand COPY loop.
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

	// eventKeyed: the table's key is the event id (Projection.EventIDColumn), which the
	// runtime writes as the first of columns; insertSQL then returns the ids it inserted.
	eventKeyed bool
	idColumn   string
}

func newCopyTarget(p Projection) *copyTarget {
	t := &copyTarget{table: p.Table, columns: p.Columns}
	switch {
	case len(p.Table) == 0:
		t.problem = "Projection.Table is required"
	case len(p.Columns) == 0:
		t.problem = "Projection.Columns is required"
	case p.EventIDColumn != "" && p.OnConflict != "":
		t.problem = "Projection.OnConflict cannot be set with EventIDColumn (a taken key is a duplicate: DO NOTHING)"
	case p.EventIDColumn != "" && slices.Contains(p.Columns, p.EventIDColumn):
		t.problem = fmt.Sprintf("Projection.Columns names the EventIDColumn %q, which the runtime fills itself", p.EventIDColumn)
	}
	if p.EventIDColumn != "" {
		t.eventKeyed, t.idColumn = true, p.EventIDColumn
		t.columns = append([]string{p.EventIDColumn}, p.Columns...)
	}
	// One staging table per projection, so two CopyBatch routes sharing a connection
	// never meet in one; named by a hash since temporary names live beside the session's.
	h := fnv.New32a()
	h.Write([]byte(p.Table.Sanitize()))
	t.stage = pgx.Identifier{fmt.Sprintf("stream_copy_stage_%08x", h.Sum32())}
	cols := make([]string, len(t.columns))
	for i, c := range t.columns {
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
	if t.eventKeyed {
		id := pgx.Identifier{p.EventIDColumn}.Sanitize()
		t.insertSQL += ` ON CONFLICT (` + id + `) DO NOTHING RETURNING ` + id
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
// with OnConflict set (or any copy of an event an event-keyed table holds) returns
// errKnownID, so attempt redoes the batch the slow way, which COPYs them into the staging
// table and moves them across with OnConflict applied.
func (w *worker) copyRows(tx pgx.Tx, fast bool) error {
	ctx, t := w.ctx, w.copy
	var err error
	w.rows, err = w.batch.rows(ctx, w.sel, w.replayUntil, w.p.cfg.Intercept, w.rows)
	defer clear(w.rows) // drop the batch's values
	if err != nil {
		return fmt.Errorf("handler: %w", err)
	}
	if fast {
		_, err := tx.CopyFrom(ctx, t.table, t.columns, w.copySource())
		if uniqueViolation(err) && (t.onConflict || t.eventKeyed) {
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
	if _, err := tx.CopyFrom(ctx, t.stage, t.columns, w.copySource()); err != nil {
		return fmt.Errorf("handler: copy into staging table: %w", err)
	}
	if t.eventKeyed {
		return w.insertKeyed(tx)
	}
	if _, err := tx.Exec(ctx, t.insertSQL); err != nil {
		return fmt.Errorf("handler: insert into %s: %w", t.table.Sanitize(), err)
	}
	return nil
}

// copySource is the rows to COPY: w.rows, each with its event's id in front for an
// event-keyed projection.
func (w *worker) copySource() pgx.CopyFromSource {
	if !w.copy.eventKeyed {
		return pgx.CopyFromRows(w.rows)
	}
	w.idRows = idRows{state: w.state, sel: w.sel, rows: w.rows, buf: w.idRows.buf}
	return &w.idRows
}
