package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// emptyOracleForRebuild empties the Oracle store for a rebuild the reset recorded and no
// start has emptied it for yet (rebuilds.store_emptied_at), before the consumer replays
// into it: Spec.Rebuild runs in the reset command's PostgreSQL transaction and cannot
// reach Oracle. Without it the replay would find every fact kept, and a changed mapping
// would not be applied. It is recorded after the truncation, so a crash in between
// empties again, harmlessly, as nothing was replayed yet.
func (a *app) emptyOracleForRebuild(ctx context.Context, ora *oracleFacts) error {
	rows, err := a.db.Query(ctx, `SELECT started_at FROM analytics.rebuilds WHERE finished_at IS NULL AND store_emptied_at IS NULL`)
	if err != nil {
		return fmt.Errorf("analytics: read rebuilds: %w", err)
	}
	pending, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return fmt.Errorf("analytics: read rebuilds: %w", err)
	}
	if len(pending) == 0 {
		return nil
	}
	if err := ora.empty(ctx); err != nil {
		return fmt.Errorf("analytics: empty Oracle for the rebuild: %w", err)
	}
	if _, err := a.db.Exec(ctx, `UPDATE analytics.rebuilds SET store_emptied_at = clock_timestamp() WHERE started_at = ANY ($1)`, pending); err != nil {
		return fmt.Errorf("analytics: record the emptied store: %w", err)
	}
	a.log.Info("emptied the Oracle fact store for the rebuild by replay", "rebuilds", len(pending))
	return nil
}
