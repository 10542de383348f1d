package testproc

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/stream"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the test processor's own tables as a migration set.
func Migrations() migrate.Set {
	sub, _ := fs.Sub(migrationFiles, "migrations") // fails only for an invalid path literal
	return migrate.Set{Name: "testproc", FS: sub}
}

// Migrate applies, to schema, everything the test processor needs: the stream runtime's
// tables, the outbox and its own.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	if _, err := migrate.Apply(ctx, pool, schema, stream.Migrations(), pgoutbox.Migrations(), Migrations()); err != nil {
		return fmt.Errorf("testproc: migrate %s: %w", schema, err)
	}
	return nil
}
