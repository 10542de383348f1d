package backup_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/ops/backup"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

const service = "svc-location-services" // a PostGIS store: the dump must carry the extension

// newStore is a fresh database with the schema "locations": a PostGIS table and two rows.
func newStore(t *testing.T) (*pgxpool.Pool, string) {
	t.Helper()
	url := pgtest.URL(t)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	pgtest.Exec(t, pool, `CREATE EXTENSION IF NOT EXISTS postgis;
		CREATE SCHEMA locations;
		CREATE TABLE locations.places (id int PRIMARY KEY, name text NOT NULL, at geometry(Point, 4326) NOT NULL);
		INSERT INTO locations.places VALUES (1, 'Moab', ST_SetSRID(ST_MakePoint(-109.55, 38.57), 4326)),
			(2, 'Zion', ST_SetSRID(ST_MakePoint(-113.03, 37.30), 4326))`)
	return pool, url
}

func places(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var s string
	if err := pool.QueryRow(context.Background(), `SELECT coalesce(string_agg(id || ':' || name || ':' || ST_AsText(at), ',' ORDER BY id), '')
		FROM locations.places`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDumpRestoresIntoAFreshDatabase: the dump of one schema, PostGIS column included,
// restores into a database that has neither the schema nor the extension.
func TestDumpRestoresIntoAFreshDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, srcURL := newStore(t)
	dir := t.TempDir()
	taken := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	res, err := backup.Dump(ctx, backup.DumpOptions{DatabaseURL: srcURL, Service: service, Schema: "locations", Dir: dir, Now: taken})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "svc-location-services-20261207T030000Z.dump"); res.File.Path != want {
		t.Errorf("dump at %s, want %s", res.File.Path, want)
	}
	if res.Retention.Days != 14 {
		t.Errorf("retention %d days, want the spec's 14", res.Retention.Days)
	}
	dstURL := pgtest.URL(t)
	if err := backup.Restore(ctx, backup.RestoreOptions{DatabaseURL: dstURL, Schema: "locations", File: res.File.Path}); err != nil {
		t.Fatal(err)
	}
	dst, err := pgxpool.New(ctx, dstURL)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if got, want := places(t, dst), places(t, src); got != want || want == "" {
		t.Errorf("restored %q, want %q", got, want)
	}
}

// TestRestoreRefusesALiveSchemaWithoutForce: a schema holding tables is not overwritten
// unless asked; with --force the dump replaces it.
func TestRestoreRefusesALiveSchemaWithoutForce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, url := newStore(t)
	res, err := backup.Dump(ctx, backup.DumpOptions{DatabaseURL: url, Service: service, Schema: "locations", Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, pool, `INSERT INTO locations.places VALUES (3, 'Arches', ST_SetSRID(ST_MakePoint(-109.59, 38.73), 4326))`)
	err = backup.Restore(ctx, backup.RestoreOptions{DatabaseURL: url, Schema: "locations", File: res.File.Path})
	if err == nil || !strings.Contains(err.Error(), "schema locations") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore over a live schema: %v; want a refusal naming the schema and --force", err)
	}
	if got := places(t, pool); !strings.Contains(got, "Arches") {
		t.Errorf("refused restore changed the store: %q", got)
	}
	if err := backup.Restore(ctx, backup.RestoreOptions{DatabaseURL: url, Schema: "locations", File: res.File.Path, Force: true}); err != nil {
		t.Fatal(err)
	}
	if got := places(t, pool); strings.Contains(got, "Arches") || !strings.Contains(got, "Zion") {
		t.Errorf("after restore --force: %q, want the dump's two places", got)
	}
}

// TestFailedRestoreKeepsTheSchemaThatWasThere: a damaged dump fails with pg_restore's reason
// and the forced restore puts the live schema back.
func TestFailedRestoreKeepsTheSchemaThatWasThere(t *testing.T) {
	t.Parallel()
	pool, url := newStore(t)
	bad := filepath.Join(t.TempDir(), "svc-location-services-20261207T030000Z.dump")
	if err := os.WriteFile(bad, []byte("PGDMP not really"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := backup.Restore(context.Background(), backup.RestoreOptions{DatabaseURL: url, Schema: "locations", File: bad, Force: true})
	if err == nil || !strings.Contains(err.Error(), "pg_restore failed") {
		t.Fatalf("restore of a damaged dump: %v; want pg_restore's failure", err)
	}
	if got := places(t, pool); !strings.Contains(got, "Moab") {
		t.Errorf("after the failed restore the store holds %q, want the two places back", got)
	}
}

// TestDumpOfAMissingSchemaSaysSo: nothing is written and the error says how to create it.
func TestDumpOfAMissingSchemaSaysSo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := backup.Dump(context.Background(), backup.DumpOptions{DatabaseURL: pgtest.URL(t), Service: "svc-reviews", Schema: "reviews", Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "schema reviews does not exist") || !strings.Contains(err.Error(), "novatrek migrate svc-reviews") {
		t.Fatalf("dump of a missing schema: %v", err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("the failed dump left %d files", len(files))
	}
}

// TestMissingOrOlderClientIsAClearError: pg_dump absent from NOVATREK_PG_BIN, or a pg_dump
// older than the server (a stand-in script printing version 14), stops before dumping
// with one line saying what to install.
func TestMissingOrOlderClientIsAClearError(t *testing.T) {
	t.Parallel()
	_, url := newStore(t)
	empty := t.TempDir()
	_, err := backup.Dump(context.Background(), backup.DumpOptions{DatabaseURL: url, Service: service, Schema: "locations",
		Dir: t.TempDir(), BinDir: empty})
	if err == nil || !strings.Contains(err.Error(), "pg_dump not found in NOVATREK_PG_BIN") {
		t.Errorf("no pg_dump: %v", err)
	}
	old := t.TempDir()
	script := "#!/bin/sh\necho 'pg_dump (PostgreSQL) 14.11'\n"
	if err := os.WriteFile(filepath.Join(old, "pg_dump"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err = backup.Dump(context.Background(), backup.DumpOptions{DatabaseURL: url, Service: service, Schema: "locations",
		Dir: t.TempDir(), BinDir: old})
	if err == nil || !strings.Contains(err.Error(), "is version 14 but the server is PostgreSQL 15") {
		t.Errorf("pg_dump 14 against a 15 server: %v", err)
	}
}

// TestPruneKeepsTheRetentionAndTheNewest: dumps older than the retention go, except the
// newest, and other services' files and other files stay.
func TestPruneKeepsTheRetentionAndTheNewest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	touch := func(name string) {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{
		"svc-weather-20261123T030000Z.dump", // 14 days: pruned
		"svc-weather-20261130T110000Z.dump", // 7 days and 1 hour: pruned
		"svc-weather-20261130T130000Z.dump", // 6 days 23 hours: kept
		"svc-weather-20261207T030000Z.dump", // today: kept
		"svc-reviews-20261101T030000Z.dump", // another service: not ours to prune
		"svc-weather-notes.txt",             // not a dump
	} {
		touch(name)
	}
	removed, err := backup.Prune(dir, "svc-weather", 7*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range removed {
		names = append(names, filepath.Base(f.Path))
	}
	if got := strings.Join(names, ","); got != "svc-weather-20261123T030000Z.dump,svc-weather-20261130T110000Z.dump" {
		t.Errorf("pruned %s", got)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 4 {
		t.Errorf("%d files left, want 4", len(left))
	}
	// Backups stopped a month ago: the last one stays.
	removed, err = backup.Prune(dir, "svc-weather", 7*24*time.Hour, now.AddDate(0, 1, 0))
	if err != nil || len(removed) != 1 || filepath.Base(removed[0].Path) != "svc-weather-20261130T130000Z.dump" {
		t.Errorf("a month later pruned %v (%v), want all but the newest", removed, err)
	}
}
