package store

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB runs queries: a *pgxpool.Pool, a pgx.Tx and a *pgx.Conn all are one, so store code
// written against DB runs inside or outside a transaction. It replaces the interface each
// package used to declare for itself.
type DB interface {
	Execer
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Execer runs a statement inside the caller's transaction (the outbox and idempotency keys
// write through one, so their rows commit with the business rows).
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}
