package stream

import (
	"embed"
	"io/fs"

	"github.com/novatrek/support/internal/platform/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the runtime's tables (inbox, consumer_offsets) as the migration set
// "stream", to apply to the service's schema beside its own, e.g.
// migrate.Apply(ctx, pool, "payments", stream.Migrations(), pgoutbox.Migrations(), own).
func Migrations() migrate.Set {
	sub, _ := fs.Sub(migrationFiles, "migrations") // fails only for an invalid path literal
	return migrate.Set{Name: "stream", FS: sub}
}
