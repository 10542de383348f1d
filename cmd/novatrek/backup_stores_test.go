package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/testkit/pgtest"
)

// novatrek runs the command line args, returning its output and error.
func novatrek(args ...string) (string, error) {
	var out bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// TestSecondStoresRefuseWhatTheyCannotDo: with LOYALTY_STORE=couchbase, the service's own
// settings are checked as it checks them, a restore with no Couchbase backup says how to
// make one, and one whose dumps are all newer than the Couchbase backup refuses (its
// offsets would be ahead of the ledger), as does a --file newer than it, each before
// touching a store.
func TestSecondStoresRefuseWhatTheyCannotDo(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("LOYALTY_STORE", "couchbase")
	if _, err := novatrek("backup", "svc-loyalty-rewards", "--dir", dir, "--database-url", "postgres://nobody@127.0.0.1:1/none"); err == nil ||
		!strings.Contains(err.Error(), "LOYALTY_STORE=couchbase needs COUCHBASE_URL") {
		t.Errorf("couchbase without its URL: %v", err)
	}
	t.Setenv("COUCHBASE_URL", "couchbase://127.0.0.1")
	t.Setenv("COUCHBASE_USERNAME", "novatrek")
	t.Setenv("COUCHBASE_PASSWORD", "novatrek-dev")
	_, err := novatrek("restore", "svc-loyalty-rewards", "--dir", dir)
	if want := "no Couchbase backup in " + filepath.Join(dir, "couchbase", "svc-loyalty-rewards"); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("restore with no Couchbase backup: %v; want %q", err, want)
	}
	if err := os.MkdirAll(filepath.Join(dir, "couchbase", "svc-loyalty-rewards", "2026-12-06T03_00_05.25Z"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "svc-loyalty-rewards-20261207T030000Z.dump"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := novatrek("restore", "svc-loyalty-rewards", "--dir", dir); err == nil ||
		!strings.Contains(err.Error(), "no dump of svc-loyalty-rewards in "+dir+" taken at or before 2026-12-06T03:00:05Z") {
		t.Errorf("restore with only a newer dump: %v", err)
	}
	newer := filepath.Join(dir, "svc-loyalty-rewards-20261207T030000Z.dump")
	if _, err := novatrek("restore", "svc-loyalty-rewards", "--dir", dir, "--file", newer); err == nil ||
		!strings.Contains(err.Error(), "--file "+newer+" is not a dump of svc-loyalty-rewards taken at or before the Couchbase backup 2026-12-06T03_00_05.25Z") {
		t.Errorf("restore of a dump newer than the Couchbase backup: %v", err)
	}
	if _, err := novatrek("restore", "svc-loyalty-rewards", "--dir", dir, "--couchbase-backup", "2026-01-01T00_00_00Z"); err == nil ||
		!strings.Contains(err.Error(), "no Couchbase backup named 2026-01-01T00_00_00Z") {
		t.Errorf("restore of an unknown Couchbase backup: %v", err)
	}
}

// TestOracleBackupWithoutRMANSaysWhereToRunIt: with ANALYTICS_STORE=oracle on a host
// without rman, `novatrek backup svc-analytics svc-reviews` dumps the schema (inbox,
// offsets, finance tables), writes the RMAN script beside it, still dumps svc-reviews, and
// fails on one line saying where to run the script. A restore of the schema leaves Oracle
// alone (no RMAN restore script, which would abort the instance) unless --oracle asks for
// it.
func TestOracleBackupWithoutRMANSaysWhereToRunIt(t *testing.T) {
	pgBin, err := exec.Command("pg_config", "--bindir").Output()
	if err != nil {
		t.Skipf("pg_config: %v: the PostgreSQL client is needed to dump", err)
	}
	url := pgtest.URL(t)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	pgtest.Exec(t, pool, `CREATE SCHEMA analytics; CREATE TABLE analytics.consumer_offsets (p int PRIMARY KEY, next bigint NOT NULL);
		CREATE SCHEMA reviews; CREATE TABLE reviews.consumer_offsets (p int PRIMARY KEY, next bigint NOT NULL)`)
	t.Setenv("PATH", strings.TrimSpace(string(pgBin))) // the PostgreSQL client's directory: no rman there
	t.Setenv("ORACLE_HOME", "")
	t.Setenv("ANALYTICS_STORE", "oracle")
	t.Setenv("ORACLE_DSN", "analytics/novatrek-dev@127.0.0.1:1521/FREEPDB1")
	dir := t.TempDir()
	out, err := novatrek("backup", "svc-analytics", "svc-reviews", "--dir", dir, "--database-url", url, "--rman-level", "0")
	if !strings.Contains(out, "svc-analytics: schema analytics dumped to "+dir) || !strings.Contains(out, "svc-reviews: schema reviews dumped to "+dir) {
		t.Errorf("output %q, want both schemas dumped", out)
	}
	script := filepath.Join(dir, "svc-analytics-rman-backup.rman")
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "rman is not on PATH") ||
		!strings.Contains(err.Error(), "copy "+script+" there and run `rman target / cmdfile=") {
		t.Errorf("error %v, want one line saying where to run the script", err)
	}
	text, err := os.ReadFile(script)
	if err != nil || !strings.Contains(string(text), "BACKUP INCREMENTAL LEVEL 0 TAG 'NOVATREK_L0_") ||
		!strings.Contains(string(text), "RECOVERY WINDOW OF 90 DAYS") {
		t.Errorf("script (%v):\n%s", err, text)
	}

	restoreScript := filepath.Join(dir, "svc-analytics-rman-restore.rman")
	out, err = novatrek("restore", "svc-analytics", "--force", "--dir", dir, "--database-url", url)
	if err != nil || !strings.Contains(out, "svc-analytics: Oracle left as it is (--oracle recovers it") {
		t.Errorf("restore without --oracle: %v, output %q; want the schema restored and Oracle left alone", err, out)
	}
	if _, err := os.Stat(restoreScript); !os.IsNotExist(err) {
		t.Errorf("restore without --oracle wrote the RMAN restore script (stat: %v)", err)
	}
	if _, err = novatrek("restore", "svc-analytics", "--force", "--oracle", "--dir", dir, "--database-url", url); err == nil ||
		!strings.Contains(err.Error(), "copy "+restoreScript+" there and run `rman target / cmdfile=") {
		t.Errorf("restore --oracle without rman here: %v, want where to run the restore script", err)
	}
	if text, err := os.ReadFile(restoreScript); err != nil || !strings.Contains(string(text), "STARTUP FORCE MOUNT;") {
		t.Errorf("restore script (%v):\n%s", err, text)
	}
}
