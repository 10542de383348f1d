package devstack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/valkey-io/valkey-go"
)

// TestThrowawayPostgres starts a cluster where nothing listens, keeps its data across a
// stop and a start, and stops it.
func TestThrowawayPostgres(t *testing.T) {
	t.Parallel()
	if _, err := findPostgresBin(); err != nil {
		t.Skipf("PostgreSQL binaries not installed: %v", err)
	}
	// When root, the cluster runs as the postgres user, which must be able to enter the
	// directory: t.TempDir's parents are private, so use a world-searchable one.
	dir, err := os.MkdirTemp("", "devstack-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	dbURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/throwaway?sslmode=disable", freePort(t))

	pg, err := ensurePostgres(ctx, dbURL, dir, true, false, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if pg == nil {
		t.Fatal("ensurePostgres started nothing although no server listened")
	}
	t.Cleanup(func() { pg.stop(context.Background()) })
	execSQL(t, dbURL, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
	if err := pg.stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.Connect(ctx, dbURL); err == nil {
		t.Fatal("server still answers after stop")
	}

	pg, err = ensurePostgres(ctx, dbURL, dir, true, false, testLogger(t))
	if err != nil {
		t.Fatalf("restart on the same data dir: %v", err)
	}
	t.Cleanup(func() { pg.stop(context.Background()) })
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != "still here" {
		t.Fatalf("data after restart = %q, %v", v, err)
	}
}

func execSQL(t *testing.T, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatal(err)
	}
}

func TestPostgresNothingAnswersAndNoStart(t *testing.T) {
	t.Parallel()
	dbURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/x?sslmode=disable", freePort(t))
	_, err := ensurePostgres(t.Context(), dbURL, t.TempDir(), false, false, testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "postgres: connect to") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("ensurePostgres = %v; want one line saying it could not connect", err)
	}
}

func TestThrowawayValkey(t *testing.T) {
	t.Parallel()
	if _, err := findValkeyServer(); err != nil {
		t.Skipf("no server binary: %v", err)
	}
	dir := t.TempDir()
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", freePort(t))
	client, vk, err := ensureValkey(t.Context(), url, dir, true, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if vk == nil {
		t.Fatal("ensureValkey started nothing although no server listened")
	}
	t.Cleanup(func() { vk.stop(context.Background()) })
	defer client.Close()
	ctx := t.Context()
	if err := client.Do(ctx, client.B().Set().Key("k").Value("v").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if got, err := client.Do(ctx, client.B().Get().Key("k").Build()).ToString(); err != nil || got != "v" {
		t.Fatalf("GET = %q, %v", got, err)
	}
	client.Close()
	if err := vk.stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "valkey", "dump.rdb")); err != nil {
		t.Errorf("no snapshot written on stop: %v", err)
	}
	opt, _ := valkey.ParseURL(url)
	if c, err := valkey.NewClient(opt); err == nil {
		c.Close()
		t.Fatal("server still answers after stop")
	}
}

func TestValkeyNothingAnswersAndNoStart(t *testing.T) {
	t.Parallel()
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", freePort(t))
	_, _, err := ensureValkey(t.Context(), url, t.TempDir(), false, testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "valkey: nothing usable answers at") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("ensureValkey = %v; want one line saying nothing answers", err)
	}
}
