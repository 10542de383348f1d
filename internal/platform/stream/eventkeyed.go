package stream

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	dbstore "github.com/novatrek/support/internal/platform/store"
)

// keySQL says whether the table exists and whether it has a valid, immediate, unique,
// non-partial index on exactly one column, that column being $2 and a uuid: what makes an
// event-keyed projection's key its inbox (ON CONFLICT cannot use an invalid or a deferrable
// one, and the runtime writes the id as a uuid).
const keySQL = `SELECT to_regclass($1) IS NOT NULL, EXISTS (
	SELECT 1 FROM pg_index i
	JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
	WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indisvalid AND i.indimmediate
		AND i.indnkeyatts = 1 AND i.indpred IS NULL AND a.attname = $2 AND a.atttypid = 'uuid'::regtype)`

// checkEventKeys refuses to start a processor whose event-keyed projection
// (Projection.EventIDColumn) has no unique key on that column alone: its COPY would then
// take a duplicate without a word, writing a second row. An unreachable store is waited
// for (like the stored offsets on assignment); anything else stops Run with one line.
func (p *Processor) checkEventKeys(ctx context.Context) error {
	for _, topic := range p.topics {
		t := p.routes[topic].copy
		if t == nil || !t.eventKeyed {
			continue
		}
		for attempt := 1; ; attempt++ {
			var exists, keyed bool
			err := p.cfg.Pool.QueryRow(ctx, keySQL, t.table.Sanitize(), t.idColumn).Scan(&exists, &keyed)
			if err == nil && !exists {
				return fmt.Errorf("stream: route for %q: the projection's table %s does not exist", topic, t.table.Sanitize())
			}
			if err == nil && !keyed {
				return fmt.Errorf("stream: route for %q: Projection.EventIDColumn %s is not the key of %s (it needs a uuid column with a PRIMARY KEY or a valid, not deferrable unique index on it alone)",
					topic, pgx.Identifier{t.idColumn}.Sanitize(), t.table.Sanitize())
			}
			if err == nil {
				break
			}
			if !dbstore.Unreachable(err) || ctx.Err() != nil {
				return fmt.Errorf("stream: route for %q: check the key of %s: %w", topic, t.table.Sanitize(), errors.Join(err, ctx.Err()))
			}
			d := backoff(attempt, p.cfg.MinBackoff, p.cfg.MaxBackoff)
			p.log.Warn("checking an event-keyed projection's key failed; retrying", "attempt", attempt, "backoff", d, "err", err)
			select {
			case <-ctx.Done():
				return fmt.Errorf("stream: route for %q: check the key of %s: %w", topic, t.table.Sanitize(), ctx.Err())
			case <-time.After(d):
			}
		}
	}
	return nil
}

// claimOffset is claimIDs for an event-keyed CopyBatch route: only the stored offset
// moves, and w.sel receives every decoded event (on the slow path the first copy of each
// id: copyRows then keeps those its table did not hold).
func (w *worker) claimOffset(tx pgx.Tx, lo, hi int, next int64, fast bool) error {
	if err := w.p.store.moveTo(w.ctx, tx, w.topic, w.partition, w.p.logOf(w.topic, w.partition), next); err != nil {
		return &storeError{"claim", err}
	}
	clear(w.fresh)
	for i := lo; i < hi; i++ {
		st := &w.state[i]
		if st.kind != "" {
			continue
		}
		if !fast {
			if _, seen := w.fresh[st.id]; seen {
				continue
			}
			w.fresh[st.id] = struct{}{}
		}
		w.sel = append(w.sel, i)
	}
	return nil
}

// insertKeyed moves the staged rows of an event-keyed projection into its table, skipping
// the events it holds already, and narrows w.sel to the events it inserted.
func (w *worker) insertKeyed(tx pgx.Tx) error {
	t := w.copy
	rows, err := tx.Query(w.ctx, t.insertSQL)
	if err != nil {
		return fmt.Errorf("handler: insert into %s: %w", t.table.Sanitize(), err)
	}
	clear(w.fresh)
	var id [16]byte
	_, err = pgx.ForEachRow(rows, []any{&id}, func() error {
		w.fresh[id] = struct{}{}
		return nil
	})
	if err != nil {
		return fmt.Errorf("handler: insert into %s: %w", t.table.Sanitize(), err)
	}
	w.sel = slices.DeleteFunc(w.sel, func(i int) bool {
		_, ok := w.fresh[w.state[i].id]
		return !ok
	})
	return nil
}

// idRows is a CopyFromSource giving each row with its event's id in front, in one reused
// slice (pgx encodes a row's values before asking for the next).
type idRows struct {
	state []recordState
	sel   []int
	rows  [][]any
	next  int
	buf   []any
}

func (r *idRows) Next() bool { r.next++; return r.next <= len(r.rows) }

func (r *idRows) Values() ([]any, error) {
	k := r.next - 1
	r.buf = append(append(r.buf[:0], r.state[r.sel[k]].id), r.rows[k]...)
	return r.buf, nil
}

func (r *idRows) Err() error { return nil }
