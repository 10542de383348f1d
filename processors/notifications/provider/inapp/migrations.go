package inapp

import (
	"embed"

	"github.com/novatrek/support/internal/platform/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the inbox's migration set ("inapp"); apply it to the notifications schema
// beside the service's own set. It builds on no other set.
var Migrations = migrate.Dir("inapp", migrationFiles, "migrations")
