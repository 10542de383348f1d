package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/config"
)

// Connect opens a pool on url and pings it, so an unreachable server or a missing database
// is reported at start as one line (with the password redacted).
func Connect(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse DATABASE_URL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", config.Redact(url), err)
	}
	return pool, nil
}

// OwnPool opens a pool with the shared pool's settings but its own size and the service's
// name as application_name, so a service sizes its connections for its own workers (and
// shows up by name in pg_stat_activity) without starving the others in `novatrek dev`.
// The caller closes it.
func OwnPool(ctx context.Context, shared *pgxpool.Pool, name string, maxConns int32) (*pgxpool.Pool, error) {
	pc := shared.Config().Copy()
	pc.MaxConns = maxConns
	if pc.ConnConfig.RuntimeParams == nil {
		pc.ConnConfig.RuntimeParams = map[string]string{}
	}
	pc.ConnConfig.RuntimeParams["application_name"] = name
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("%s: open pool: %w", name, err)
	}
	return pool, nil
}
