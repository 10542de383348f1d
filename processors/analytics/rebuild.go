package analytics

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// rebuild empties every table svc-analytics derives from events (the six fact tables with
// all their partitions, and the rollups) for `novatrek groups reset svc-analytics
// --to-earliest --rebuild --execute`, in that command's transaction; the replay that
// follows fills them again. Everything here is a projection of consumed events (the
// service has no API writes), which is what allows the rebuild. The partitions stay (they
// are structure, not data); retention drops the expired ones as usual.
func rebuild(ctx context.Context, tx pgx.Tx) error {
	if err := emptyTables(ctx, tx); err != nil {
		return fmt.Errorf("analytics: rebuild: %w", err)
	}
	// The "rebuild progress" worker records its target and reports it until it is reached;
	// until then the batches defer the rollups (deferred.go).
	if _, err := tx.Exec(ctx, `INSERT INTO analytics.rebuilds DEFAULT VALUES`); err != nil {
		return fmt.Errorf("analytics: rebuild: %w", err)
	}
	return nil
}

// emptyTables truncates the six fact tables (all their partitions) and the rollups.
func emptyTables(ctx context.Context, tx pgx.Tx) error {
	q := `TRUNCATE analytics.rollups`
	for t := range tableCount {
		q += ", analytics." + t.String()
	}
	_, err := tx.Exec(ctx, q)
	return err
}
