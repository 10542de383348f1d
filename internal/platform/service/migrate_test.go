package service_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

func TestMigrateAppliesEachServiceToItsSchema(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewDB(t)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))

	a := &fakeService{name: "svc-a", schema: "alpha", sets: []migrate.Set{
		migrationSet("platform", map[string]string{"0001_inbox.sql": "CREATE TABLE inbox (id text PRIMARY KEY)"}),
		migrationSet("alpha", map[string]string{"0001_things.sql": "CREATE TABLE things (id int PRIMARY KEY)"}),
	}}
	b := &fakeService{name: "svc-b", schema: "beta", sets: []migrate.Set{
		migrationSet("platform", map[string]string{"0001_inbox.sql": "CREATE TABLE inbox (id text PRIMARY KEY)"}),
	}}
	none := &fakeService{name: "svc-stateless"} // no schema: skipped

	for range 2 { // the second run finds everything applied and changes nothing
		if err := service.Migrate(ctx, pool, logger, a, b, none); err != nil {
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
	bad := &fakeService{name: "svc-bad", schema: "bad", sets: []migrate.Set{
		migrationSet("bad", map[string]string{"0001_broken.sql": "CREATE TABLE ("}),
	}}
	err := service.Migrate(context.Background(), pool, slog.New(slog.DiscardHandler), bad)
	if err == nil {
		t.Fatal("Migrate of broken SQL succeeded")
	}
	t.Logf("error: %v", err)
}
