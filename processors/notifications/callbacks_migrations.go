package notifications

import (
	"embed"

	"github.com/novatrek/support/internal/platform/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the top-level package's own migration set ("callbacks"): the per-member
// callback status on the delivery stage's delivery_members table, so it comes after
// "delivery", which creates that table.
var Migrations = migrate.Dir("callbacks", migrationFiles, "migrations", "delivery")
