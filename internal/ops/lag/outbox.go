package lag

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// OutboxBacklog is what waits in one service schema's outbox table.
type OutboxBacklog struct {
	// Schema is the service schema; the relay labels its own gauges outbox=<schema> too.
	Schema    string
	Rows      int64
	OldestAge time.Duration
}

// ReadOutboxes measures the outbox table of every schema of the database that has one
// (created by outbox/postgres's migration), with the server's clock, the way the relay's
// leader measures its own. It is for the standalone exporter, which runs beside the
// services rather than in them; inside a service process the relay already exports
// novatrek_outbox_backlog_rows and novatrek_outbox_oldest_row_age_seconds.
func ReadOutboxes(ctx context.Context, pool *pgxpool.Pool) ([]OutboxBacklog, error) {
	rows, err := pool.Query(ctx, `SELECT table_schema FROM information_schema.tables
WHERE table_name = 'outbox' AND table_type = 'BASE TABLE' ORDER BY table_schema`)
	if err != nil {
		return nil, fmt.Errorf("lag: find outbox tables: %w", err)
	}
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("lag: find outbox tables: %w", err)
	}
	out := make([]OutboxBacklog, 0, len(schemas))
	for _, s := range schemas {
		b := OutboxBacklog{Schema: s}
		var age float64
		q := `SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM ` +
			pgx.Identifier{s, "outbox"}.Sanitize()
		if err := pool.QueryRow(ctx, q).Scan(&b.Rows, &age); err != nil {
			return nil, fmt.Errorf("lag: measure the outbox of schema %s: %w", s, err)
		}
		b.OldestAge = time.Duration(age * float64(time.Second))
		out = append(out, b)
	}
	return out, nil
}
