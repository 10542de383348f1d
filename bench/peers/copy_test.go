package peers

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// copyRaw is the store's limit for the same rows: one COPY, no Kafka, no decoding, no
// inbox, no conflict handling.
func copyRaw(ctx context.Context, w *world) (time.Duration, error) {
	if _, err := w.pool.Exec(ctx, `TRUNCATE peers.reservations`); err != nil {
		return 0, err
	}
	start := time.Now()
	_, err := w.pool.CopyFrom(ctx, pgx.Identifier{"peers", "reservations"}, columns, pgx.CopyFromRows(w.rows))
	return time.Since(start), err
}
