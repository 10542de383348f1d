package runner_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

func TestMigrateAppliesEachServiceToItsSchema(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewDB(t)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))

	platform := migrationSet("platform", map[string]string{"0001_inbox.sql": "CREATE TABLE inbox (id text PRIMARY KEY)"})
	alpha := migrationSet("alpha", map[string]string{"0001_things.sql": "CREATE TABLE things (id int PRIMARY KEY)"})
	alpha.After = []string{"platform"}
	a := storeSpec("svc-a", "alpha", platform, alpha)
	b := storeSpec("svc-b", "beta", platform)
	none := storeSpec("svc-stateless", "") // no schema: skipped

	for range 2 { // the second run finds everything applied and changes nothing
		if err := runner.Migrate(ctx, pool, logger, a, b, none); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	for _, table := range []string{"alpha.inbox", "alpha.things", "beta.inbox"} {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
	var applied int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM alpha.schema_migrations").Scan(&applied); err != nil || applied != 2 {
		t.Errorf("alpha.schema_migrations has %d rows (err %v); want 2", applied, err)
	}
	var beta bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass('beta.things') IS NULL").Scan(&beta); err != nil || !beta {
		t.Errorf("beta.things exists or lookup failed (%v); svc-b's schema must hold only its own sets", err)
	}
}

func TestMigrateReportsTheFailingFile(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewDB(t)
	bad := storeSpec("svc-bad", "bad", migrationSet("bad", map[string]string{"0001_broken.sql": "CREATE TABLE ("}))
	err := runner.Migrate(context.Background(), pool, slog.New(slog.DiscardHandler), bad)
	if err == nil {
		t.Fatal("Migrate of broken SQL succeeded")
	}
	if !strings.Contains(err.Error(), "0001_broken") {
		t.Errorf("Migrate of broken SQL = %v; want it to name the file", err)
	}
}

// storeSpec is a service that only owns schema with sets.
func storeSpec(name, schema string, sets ...migrate.Set) service.Definition {
	return &service.Spec[struct{}]{Name: name, Store: service.Store{Schema: schema, Migrations: sets}}
}
