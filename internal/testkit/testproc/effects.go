package testproc

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Effects counts the applied_events rows of eventID in schema: 1 once applied, more only
// if the runtime applied it twice.
func Effects(ctx context.Context, pool *pgxpool.Pool, schema, eventID string) (int, error) {
	var n int
	err := pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{schema, "applied_events"}.Sanitize()+` WHERE event_id = $1`, eventID).Scan(&n)
	return n, err
}
