package preference

import (
	"embed"
	"io/fs"

	"github.com/novatrek/support/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is this package's migration set ("channel_preferences"); svc-notifications applies it to
// the "notifications" schema beside its other sets.
func Migrations() migrate.Set {
	sub, _ := fs.Sub(migrationFiles, "migrations")
	return migrate.Set{Name: "channel_preferences", FS: sub}
}
