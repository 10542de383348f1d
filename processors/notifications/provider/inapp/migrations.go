package inapp

import (
	"embed"
	"io/fs"

	"github.com/novatrek/support/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the inbox's migration set ("inapp"); apply it to the notifications schema
// beside the service's own set.
func Migrations() migrate.Set {
	sub, _ := fs.Sub(migrationFiles, "migrations") // cannot fail: the directory is embedded
	return migrate.Set{Name: "inapp", FS: sub}
}
