package notifications

import (
	"embed"
	"io/fs"

	"github.com/novatrek/support/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the top-level package's own migration set ("callbacks"): the per-member
// callback status on the delivery stage's delivery_members table. It must run after
// delivery.Migrations, which creates that table (Service.Migrations orders it so).
func Migrations() migrate.Set {
	sub, _ := fs.Sub(migrationFiles, "migrations") // fails only for an invalid path literal
	return migrate.Set{Name: "callbacks", FS: sub}
}
