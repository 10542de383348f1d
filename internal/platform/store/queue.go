package store

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Queue is an Execer that queues every statement on B instead of running it, so writers
// taking an Execer (the outbox, the idempotency keeper) join a pipeline the caller sends
// in one round trip with its own statements, in order. Its command tags are empty: a
// writer that reads RowsAffected needs a real transaction.
type Queue struct{ B *pgx.Batch }

// Exec queues sql.
func (q Queue) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	q.B.Queue(sql, args...)
	return pgconn.CommandTag{}, nil
}
