package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// During a rebuild by replay the rollups are deferred: the batches write the facts only
// (writeFactsOnly, by COPY), and when the replay reaches its end point the rollups are
// computed once from the facts, set-based (completeRollups), in the transaction that marks
// the rebuild finished. Up to 8 rollup upserts per fact were most of a rebuild's time; one
// INSERT ... SELECT ... GROUP BY per table over the finished facts costs a fraction of it.
// Live traffic, outside a rebuild, keeps the incremental rollups in each batch's
// transaction.
//
// Where the state lives: "deferred" is an unfinished row in analytics.rebuilds, which
// Spec.Rebuild inserts in the transaction that empties the tables and completeRollups'
// caller marks finished in the transaction that fills the rollups. Both are in the store,
// so a crash or a restart anywhere in between leaves the rollups empty and still deferred,
// the API still says it is rebuilding, and the next start carries on. Its rows are also
// what the API's Analytics-Rebuild header reports: the rollups are complete exactly when
// the header goes.
//
// The switch is serialized by an advisory lock on the rollups: every batch takes it shared
// before it reads the state (beginWrite), completeRollups takes it exclusive, so it waits
// for the batches that wrote facts only, and the batches after it see the rebuild finished
// and write their rollups incrementally. Read in a statement after the lock, the state is
// the one the lock's holder committed (READ COMMITTED takes a snapshot per statement).

// rollupsLock is the advisory lock of the switch between deferred and incremental rollups.
const rollupsLock = `hashtext('analytics.rollups')`

// rollupsDeferred is true while a rebuild is unfinished.
const rollupsDeferred = `SELECT EXISTS (SELECT 1 FROM analytics.rebuilds WHERE finished_at IS NULL)`

// beginWrite is a batch's turn before its facts, in one round trip: the shared lock, then
// whether the rollups are deferred, and the partitions of months.
func beginWrite(ctx context.Context, tx pgx.Tx, months []time.Time) (deferred bool, err error) {
	days := monthDays(months)
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock_shared(` + rollupsLock + `)`)
	b.Queue(rollupsDeferred)
	b.Queue(ensureMonthsSQL, days)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return false, fmt.Errorf("analytics: lock the rollups for a batch: %w", err)
	}
	if err := br.QueryRow().Scan(&deferred); err != nil {
		return false, fmt.Errorf("analytics: read whether a rebuild defers the rollups: %w", err)
	}
	if _, err := br.Exec(); err != nil {
		return false, monthsError(days, err)
	}
	return deferred, br.Close()
}

// completeRollups computes the rollups from the facts in tx, after the batches that wrote
// facts only have committed; the caller marks the rebuild finished in tx. The rollups are
// empty while deferred (Spec.Rebuild emptied them and nothing wrote them since); the
// DELETE makes sure of it without TRUNCATE's lock against the API's reads.
func completeRollups(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+rollupsLock+`)`); err != nil {
		return fmt.Errorf("analytics: lock the rollups to complete them: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM analytics.rollups`); err != nil {
		return fmt.Errorf("analytics: complete the rollups: %w", err)
	}
	return fillRollups(ctx, tx)
}
