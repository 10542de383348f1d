// Package contact keeps how svc-notifications reaches a person known only by id: the
// contacts table (email, phone, name, locale, time zone per recipient, written by the intake
// from guest.registered and by other domains through the API) and the devices table (the
// FCM registration tokens of a recipient's app installs). The delivery stage's directory
// reads both; this package validates and stores them.
//
// Recipients are written as in notification rows and the in-app inbox: "<TYPE>:<id>", where
// TYPE is a RecipientType symbol (GUEST, GUIDE, STAFF, PARK_RANGER, RESCUE_TEAM, PARTNER).
package contact

import (
	"embed"

	"github.com/novatrek/support/internal/platform/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is this package's set ("contact"); it alters the intake's contacts table, so
// it comes after "notifications" (intake.Migrations).
var Migrations = migrate.Dir("contact", migrationFiles, "migrations", "notifications")
