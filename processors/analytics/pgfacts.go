package analytics

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgFacts is the factStore in the service's own PostgreSQL schema (migrations/): the facts
// and their rollups are written in the batch's transaction, so they commit together with
// the inbox and the offsets. Its reads are next to the handlers that use them
// (api_*.go, series.go, reconcile.go).
type pgFacts struct{ db *pgxpool.Pool }

// Apply writes rows and their rollups in the batch's transaction (write); during a
// rebuild by replay the rollups wait for CompleteRebuild.
func (s *pgFacts) Apply(ctx context.Context, batch pgx.Tx, rows []row) error {
	return write(ctx, batch, rows)
}

// Maintain creates the months' partitions and drops the older ones in one transaction.
func (s *pgFacts) Maintain(ctx context.Context, months []time.Time, oldest time.Time) ([]string, error) {
	var dropped []string
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := ensureMonths(ctx, tx, months); err != nil {
			return err
		}
		var err error
		dropped, err = dropMonthsBefore(ctx, tx, oldest)
		return err
	})
	return dropped, err
}

// Refresh recomputes the rollups in one transaction (refreshRollups).
func (s *pgFacts) Refresh(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error { return refreshRollups(ctx, tx) })
}

// CompleteRebuild computes the rollups the replay deferred, in tx (completeRollups).
func (s *pgFacts) CompleteRebuild(ctx context.Context, tx pgx.Tx) error {
	return completeRollups(ctx, tx)
}

// Checksums fingerprints the tables (the package's Checksums, which the checksum command
// also runs).
func (s *pgFacts) Checksums(ctx context.Context) ([]Checksum, error) { return Checksums(ctx, s.db) }
