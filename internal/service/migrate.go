package service

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/migrate"
)

// Migrate applies the migrations of each service to its schema, in list order, logging
// what it applied. Services without a schema are skipped. The migration runner locks each
// schema, so two processes migrating at once is safe.
func Migrate(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger, svcs ...Service) error {
	for _, s := range svcs {
		if s.Schema() == "" {
			continue
		}
		ran, err := migrate.Apply(ctx, pool, s.Schema(), s.Migrations()...)
		for _, m := range ran {
			logger.InfoContext(ctx, "migration applied", "service", s.Name(), "schema", s.Schema(), "set", m.Set, "version", m.Version, "name", m.Name)
		}
		if err != nil {
			return err // migrate errors already name the schema and file
		}
		logger.InfoContext(ctx, "schema up to date", "service", s.Name(), "schema", s.Schema(), "applied", len(ran))
	}
	return nil
}
