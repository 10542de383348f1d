package backup

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// RestoreOptions say which dump to restore where.
type RestoreOptions struct {
	DatabaseURL string
	// Schema is the service's schema, the one the dump holds.
	Schema string
	// File is the dump (Latest finds the newest).
	File string
	// Force drops a schema that holds anything before restoring; without it such a schema
	// is refused, so a restore never overwrites a live store by mistake.
	Force  bool
	BinDir string
}

// Restore restores a dump of Dump into the database at DatabaseURL, a fresh one or one whose
// service schema is missing, empty, or (with Force) dropped first. It runs pg_restore in one
// transaction: a failed restore leaves no half-restored schema. Stop the service first; it
// resumes from the offsets stored in the dump.
func Restore(ctx context.Context, o RestoreOptions) error {
	conn, err := pgx.Connect(ctx, o.DatabaseURL)
	if err != nil {
		return fmt.Errorf("restore: connect: %w", err)
	}
	defer conn.Close(ctx)
	major, err := serverMajor(ctx, conn)
	if err != nil {
		return err
	}
	pgRestore, err := tool(ctx, "pg_restore", o.BinDir, major)
	if err != nil {
		return err
	}
	n, err := relations(ctx, conn, o.Schema)
	if err != nil {
		return err
	}
	if n > 0 && !o.Force {
		return fmt.Errorf("restore: schema %s in database %s is not empty (%d relations): stop the service and "+
			"restore --force to replace it with the dump", o.Schema, conn.Config().Database, n)
	}
	if n < 0 {
		return run(ctx, pgRestore, o.DatabaseURL, "--no-owner", "--exit-on-error", "--single-transaction", o.File)
	}
	// The dump creates the schema itself, so the one there steps aside under another name
	// and is dropped only once the restore succeeded; a failed restore puts it back.
	aside := pgx.Identifier{o.Schema + "_before_restore"}.Sanitize()
	ident := pgx.Identifier{o.Schema}.Sanitize()
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+aside+` CASCADE; ALTER SCHEMA `+ident+` RENAME TO `+aside); err != nil {
		return fmt.Errorf("restore: move schema %s aside: %w", o.Schema, err)
	}
	if err := run(ctx, pgRestore, o.DatabaseURL, "--no-owner", "--exit-on-error", "--single-transaction", o.File); err != nil {
		if _, back := conn.Exec(ctx, `ALTER SCHEMA `+aside+` RENAME TO `+ident); back != nil {
			return fmt.Errorf("%w; the schema that was there is kept as %s_before_restore (%v)", err, o.Schema, back)
		}
		return err
	}
	if _, err := conn.Exec(ctx, `DROP SCHEMA `+aside+` CASCADE`); err != nil {
		return fmt.Errorf("restore: restored, but dropping the replaced schema %s_before_restore failed: %w", o.Schema, err)
	}
	return nil
}
