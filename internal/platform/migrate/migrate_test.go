package migrate_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

func TestApplyIsIdempotentAndUsesTheServiceSchema(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewDB(t)
	ctx := context.Background()
	platform := migrate.Set{Name: "inbox", FS: fstest.MapFS{
		"0001_inbox.sql": {Data: []byte(`CREATE TABLE inbox (event_id uuid PRIMARY KEY)`)},
	}}
	own := migrate.Set{Name: "payments", FS: fstest.MapFS{
		"0001_payments.sql":   {Data: []byte(`CREATE TABLE payments (id bigint PRIMARY KEY)`)},
		"0002_add_amount.sql": {Data: []byte(`ALTER TABLE payments ADD COLUMN amount numeric(18,4)`)},
	}}

	ran, err := migrate.Apply(ctx, pool, "payments", platform, own)
	if err != nil {
		t.Fatal(err)
	}
	if len(ran) != 3 {
		t.Fatalf("first apply ran %d migrations, want 3", len(ran))
	}
	ran, err = migrate.Apply(ctx, pool, "payments", platform, own)
	if err != nil {
		t.Fatal(err)
	}
	if len(ran) != 0 {
		t.Fatalf("second apply ran %d migrations, want 0", len(ran))
	}
	// Unqualified names landed in the service schema, not public.
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'payments' AND table_name IN ('inbox','payments')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("found %d of 2 tables in schema payments", n)
	}
	// The same platform set serves a second service schema.
	if _, err := migrate.Apply(ctx, pool, "reviews", platform); err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, pool, `INSERT INTO reviews.inbox VALUES (gen_random_uuid())`)
}

func TestApplyRollsBackAFailingMigration(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewDB(t)
	ctx := context.Background()
	set := migrate.Set{Name: "svc", FS: fstest.MapFS{
		"0001_ok.sql":     {Data: []byte(`CREATE TABLE ok (id int)`)},
		"0002_broken.sql": {Data: []byte(`CREATE TABLE half (id int); SELECT * FROM missing_table`)},
	}}
	_, err := migrate.Apply(ctx, pool, "svc", set)
	if err == nil || !strings.Contains(err.Error(), "0002_broken") {
		t.Fatalf("want error naming 0002_broken, got %v", err)
	}
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('svc.half') IS NOT NULL`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatal("table of the failed migration survived: it did not run in one transaction")
	}
	var versions int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM svc.schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != 1 {
		t.Fatalf("recorded %d versions, want 1", versions)
	}
}

func TestLoadRefusesBadNamesAndDuplicates(t *testing.T) {
	t.Parallel()
	for name, fsys := range map[string]fstest.MapFS{
		"bad name":  {"1_init.sql": {Data: []byte(`SELECT 1`)}},
		"duplicate": {"0001_a.sql": {Data: []byte(`SELECT 1`)}, "0001_b.sql": {Data: []byte(`SELECT 1`)}},
	} {
		if _, err := (migrate.Set{Name: "x", FS: fsys}).Load(); err == nil {
			t.Errorf("%s: Load accepted it", name)
		}
	}
}

func TestConcurrentAppliesRunEachMigrationOnce(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewDB(t)
	set := migrate.Set{Name: "svc", FS: fstest.MapFS{
		"0001_t.sql": {Data: []byte(`CREATE TABLE t (id int)`)},
	}}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := migrate.Apply(context.Background(), pool, "svc", set)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
