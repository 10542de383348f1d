package notifications

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Backlog counts the notifications the delivery stage has yet to hand to a provider: pending
// and queued ones, and deferred ones due by until (the soak asks with now: one deferred past
// it waits for its time on purpose). Each of them still publishes a delivery-status-changed event, so a soak's drain
// waits for them too: its topics and outbox alone look nearly empty while the stage works
// through a backlog (the 20x day left 105,652 queued behind a 12-row outbox).
func Backlog(ctx context.Context, db *pgxpool.Pool, until time.Time) (int64, error) {
	var n int64
	err := db.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{Schema, "notifications"}.Sanitize()+`
		WHERE status IN ('pending', 'queued') OR (status = 'deferred' AND defer_until <= $1)`, until).Scan(&n)
	return n, err
}
