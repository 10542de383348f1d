package payments

import (
	"embed"
	"io/fs"

	"github.com/novatrek/support/internal/platform/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the service's own migration set ("payments").
func Migrations() migrate.Set {
	sub, _ := fs.Sub(migrationFiles, "migrations")
	return migrate.Set{Name: "payments", FS: sub}
}
