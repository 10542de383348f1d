package template

import (
	"embed"

	"github.com/novatrek/support/internal/platform/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is this package's migration set ("templates"); svc-notifications applies it to
// the "notifications" schema beside its other sets. It builds on no other set.
var Migrations = migrate.Dir("templates", migrationFiles, "migrations")
