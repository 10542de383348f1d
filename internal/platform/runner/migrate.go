package runner

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
)

// Migrate applies each definition's migration sets to its schema, composed from their After
// declarations (migrate.Compose). Applied sets are recorded by name, so composing never
// re-runs anything on an existing database.
func Migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, defs ...service.Definition) error {
	for _, def := range defs {
		d := def.Describe()
		sets, err := migrate.Compose(d.Migrations...)
		if err != nil {
			return fmt.Errorf("service %s: %w", d.Name, err)
		}
		if err := service.ApplySets(ctx, pool, log, d.Name, d.Store.Schema, sets); err != nil {
			return err
		}
	}
	return nil
}
