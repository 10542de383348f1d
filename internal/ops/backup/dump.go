package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
)

// DumpOptions say what to dump and where.
type DumpOptions struct {
	DatabaseURL string
	// Service names the dump (its file name) and its retention.
	Service string
	// Schema is the service's schema (its Spec's Store.Schema).
	Schema string
	// Dir is the backup directory, created if missing.
	Dir string
	// BinDir holds pg_dump; "" searches PATH (EnvPGBin).
	BinDir string
	// Now stamps the dump and ages the others; zero: time.Now.
	Now time.Time
}

// DumpResult is the new dump and the old ones retention removed.
type DumpResult struct {
	File      File
	Retention Retention
	Pruned    []File
}

// Dump writes the service's schema with pg_dump's custom format into Dir, named by service
// and UTC time, then prunes the service's dumps older than its retention. The schema holds
// the inbox, the stored offsets and the outbox beside the service's tables, so the dump is
// a consistent point to resume from (pg_dump reads one snapshot). The extensions the
// database has (PostGIS for svc-location-services) are dumped with it, so the dump restores
// into a fresh database.
func Dump(ctx context.Context, o DumpOptions) (DumpResult, error) {
	ret, err := RetentionOf(o.Service)
	if err != nil {
		return DumpResult{}, err
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	conn, err := pgx.Connect(ctx, o.DatabaseURL)
	if err != nil {
		return DumpResult{}, fmt.Errorf("backup: connect: %w", err)
	}
	defer conn.Close(ctx)
	major, err := serverMajor(ctx, conn)
	if err != nil {
		return DumpResult{}, err
	}
	if n, err := relations(ctx, conn, o.Schema); err != nil {
		return DumpResult{}, err
	} else if n < 0 {
		return DumpResult{}, fmt.Errorf("backup: schema %s does not exist in database %s: nothing to back up "+
			"(novatrek migrate %s creates it)", o.Schema, conn.Config().Database, o.Service)
	}
	exts, err := extensions(ctx, conn)
	if err != nil {
		return DumpResult{}, err
	}
	pgDump, err := tool(ctx, "pg_dump", o.BinDir, major)
	if err != nil {
		return DumpResult{}, err
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return DumpResult{}, fmt.Errorf("backup: %w", err)
	}
	final := filepath.Join(o.Dir, fileName(o.Service, now))
	// Written under another name and renamed when complete: a failed dump never looks like
	// a backup to List, Latest or Prune.
	partial := final + ".partial"
	args := []string{"--format=custom", "--schema=" + o.Schema, "--no-owner", "--file=" + partial}
	for _, e := range exts {
		args = append(args, "--extension="+e)
	}
	if err := run(ctx, pgDump, o.DatabaseURL, args...); err != nil {
		_ = os.Remove(partial)
		return DumpResult{}, err
	}
	if err := os.Rename(partial, final); err != nil {
		return DumpResult{}, fmt.Errorf("backup: %w", err)
	}
	res := DumpResult{File: File{Path: final, Service: o.Service, Taken: now.UTC().Truncate(time.Second)}, Retention: ret}
	res.Pruned, err = Prune(o.Dir, o.Service, ret.Keep(), now)
	return res, err
}

// relations counts the tables, sequences and views in schema; -1 when it does not exist.
func relations(ctx context.Context, conn *pgx.Conn, schema string) (int, error) {
	var n int
	err := conn.QueryRow(ctx, `SELECT CASE WHEN EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)
		THEN (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1)
		ELSE -1 END`, schema).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("backup: schema %s: %w", schema, err)
	}
	return n, nil
}

// extensions are the database's extensions beyond the built-in plpgsql.
func extensions(ctx context.Context, conn *pgx.Conn) ([]string, error) {
	rows, err := conn.Query(ctx, `SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname`)
	if err != nil {
		return nil, fmt.Errorf("backup: extensions: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("backup: extensions: %w", err)
	}
	return names, nil
}
