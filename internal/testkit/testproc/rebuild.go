package testproc

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Rebuild empties the projection (reservations and applied_events) in tx, for a full
// replay (service.Spec.Rebuild): both tables are derived from the consumed events only, and
// neither is idempotent under re-application (applied_events appends, the reservation's
// applied_events counter counts). The outbox is left alone: the replay enqueues the same
// notification requests again, with the same ids (derived from the cause event ids), so
// downstream inboxes skip them.
func (p *Processor) Rebuild(ctx context.Context, tx pgx.Tx) error {
	tables := pgx.Identifier{p.schema, "reservations"}.Sanitize() + ", " + pgx.Identifier{p.schema, "applied_events"}.Sanitize()
	if _, err := tx.Exec(ctx, `TRUNCATE `+tables); err != nil {
		return fmt.Errorf("testproc: rebuild %s: truncate the projection: %w", p.schema, err)
	}
	return nil
}
