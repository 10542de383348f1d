package service

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/migrate"
)

// ApplySets applies sets, in order, to the schema of service name, logging what it applied;
// nothing when schema is "". The runner's Migrate calls it with the composed sets.
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
