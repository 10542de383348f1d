package peers

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// copyRaw is the store's limit for the same rows: one COPY, no Kafka, no decoding, no
// inbox, no conflict handling.
func copyRaw(ctx context.Context, w *world) (time.Duration, error) {
	return copyRawInto(ctx, w, reservationsTable, columns, w.rows)
}

// copyRawFacts is copyRaw into the event-keyed facts table.
func copyRawFacts(ctx context.Context, w *world) (time.Duration, error) {
	return copyRawInto(ctx, w, factsTable, factColumns, w.facts)
}

func copyRawInto(ctx context.Context, w *world, table pgx.Identifier, cols []string, rows [][]any) (time.Duration, error) {
	if err := emptyTable(ctx, w.pool, table); err != nil {
		return 0, err
	}
	start := time.Now()
	_, err := w.pool.CopyFrom(ctx, table, cols, pgx.CopyFromRows(rows))
	return time.Since(start), err
}
