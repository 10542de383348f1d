package analytics

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// factColumns are the columns of every fact table, in copyFacts' order.
var factColumns = []string{"event_id", "seq", "occurred_at", "metric", "trip_id", "guide_id", "location_id", "guest_id",
	"reservation_id", "reference_id", "category", "currency", "value"}

// writeFactsOnly stores rows without their rollups during a rebuild (deferred.go): by COPY,
// the cheapest way into PostgreSQL, in a savepoint of tx. COPY has no ON CONFLICT, so a
// fact already stored (an event the inbox did not catch: twice in one batch, or kept from
// before) fails the COPY with a unique violation; then the savepoint is rolled back and the
// batch goes through insertFactsOnly, which skips what is stored. Either way each fact is
// stored once and nothing is lost.
func writeFactsOnly(ctx context.Context, tx pgx.Tx, rows []row) error {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return fmt.Errorf("analytics: savepoint for the facts: %w", err)
	}
	err = copyFacts(ctx, sp, rows)
	if err == nil {
		return sp.Commit(ctx)
	}
	if rb := sp.Rollback(ctx); rb != nil {
		return errors.Join(err, rb)
	}
	if pgErr := (*pgconn.PgError)(nil); !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return err
	}
	if _, err := tx.Exec(ctx, insertFactsOnly, argsOf(rows)...); err != nil {
		return fmt.Errorf("analytics: write facts: %w", err)
	}
	return nil
}

// copyFacts COPYs rows into their fact tables (their months' partitions must exist).
func copyFacts(ctx context.Context, tx pgx.Tx, rows []row) error {
	for t := range tableCount {
		var src [][]any
		for _, r := range rows {
			if r.table == t {
				src = append(src, []any{r.eventID, r.seq, r.at, r.metric, null(r.trip), null(r.guide), null(r.location), null(r.guest),
					null(r.reservation), null(r.reference), null(r.category), null(r.currency), r.value})
			}
		}
		if len(src) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"analytics", t.String()}, factColumns, pgx.CopyFromRows(src)); err != nil {
			return fmt.Errorf("analytics: copy facts into %s: %w", t, err)
		}
	}
	return nil
}

// null is s, or SQL NULL when s is empty (a dimension the fact does not name).
func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}
