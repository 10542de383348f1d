package service

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/migrate"
)

// Migrate applies the migrations of each service to its schema, in list order, logging
// what it applied. Services without a schema are skipped. The migration runner locks each
// schema, so two processes migrating at once is safe.
func Migrate(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger, svcs ...Service) error {
	for _, s := range svcs {
		if err := ApplySets(ctx, pool, logger, s.Name(), s.Schema(), s.Migrations()); err != nil {
			return err
		}
	}
	return nil
}

// ApplySets applies sets, in order, to the schema of service name, logging what it applied;
// nothing when schema is "". Migrate and the runner share it.
func ApplySets(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger, name, schema string, sets []migrate.Set) error {
	if schema == "" {
		return nil
	}
	ran, err := migrate.Apply(ctx, pool, schema, sets...)
	for _, m := range ran {
		logger.InfoContext(ctx, "migration applied", "service", name, "schema", schema, "set", m.Set, "version", m.Version, "name", m.Name)
	}
	if err != nil {
		return err // migrate errors already name the schema and file
	}
	logger.InfoContext(ctx, "schema up to date", "service", name, "schema", schema, "applied", len(ran))
	return nil
}
