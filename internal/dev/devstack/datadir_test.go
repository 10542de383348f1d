package devstack

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

// ownStack starts a stack on dataDir with its own database (no DatabaseURL) on the test
// server, running one testService, and returns it with the Env its service got.
func ownStack(t *testing.T, cfg Config) (*Stack, service.Env) {
	t.Helper()
	svc := &testService{name: ourService(t), started: make(chan service.Env, 1), stopped: make(chan struct{})}
	cfg.Services = []service.Definition{svc.spec()}
	s, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s, <-svc.started
}

// ownConfig is testConfig with the stack's own database, dropped when the test ends.
func ownConfig(t *testing.T) Config {
	t.Helper()
	cfg := testConfig(t, t.TempDir())
	cfg.DatabaseServerURL = pgtest.AdminURL()
	st, err := config.NewDevState(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, err := pgx.Connect(context.Background(), pgtest.AdminURL())
		if err != nil {
			t.Errorf("clean up database %s: %v", st.Database, err)
			return
		}
		defer admin.Close(context.Background())
		if _, err := dropDatabase(context.Background(), admin, st.Database); err != nil {
			t.Errorf("clean up: %v", err)
		}
	})
	return cfg
}

// TestDataDirsOwnTheirState: two stacks on different data dirs and ports run side by side,
// each on its own database and Valkey key prefix, named in its data dir; what one writes the
// other never sees. Removing a data dir (rm -rf) and --reset both start that stack from
// scratch, database and keys included, and leave the other alone.
func TestDataDirsOwnTheirState(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfgA, cfgB := ownConfig(t), ownConfig(t)
	var banner bytes.Buffer
	cfgA.Banner = &banner
	a, depsA := ownStack(t, cfgA)
	b, depsB := ownStack(t, cfgB)

	if a.DatabaseURL() == b.DatabaseURL() || a.ValkeyPrefix() == b.ValkeyPrefix() {
		t.Fatalf("two data dirs share state: databases %s and %s, Valkey prefixes %q and %q",
			a.DatabaseURL(), b.DatabaseURL(), a.ValkeyPrefix(), b.ValkeyPrefix())
	}
	for _, s := range []*Stack{a, b} {
		st, ok, err := config.ReadDevState(s.cfg.DataDir)
		db, _ := pgx.ParseConfig(s.DatabaseURL())
		if err != nil || !ok || db == nil || db.Database != st.Database || st.ValkeyPrefix != s.ValkeyPrefix() {
			t.Fatalf("data dir %s records %+v (%v, %v); the stack runs on %s with prefix %q", s.cfg.DataDir, st, ok, err, s.DatabaseURL(), s.ValkeyPrefix())
		}
	}
	if !strings.Contains(banner.String(), "this data dir's own database") || !strings.Contains(banner.String(), "keys under "+a.ValkeyPrefix()) {
		t.Errorf("banner does not say the stack runs on its own database and key prefix:\n%s", banner.String())
	}

	// Each writes a row and a key of its own, as a service would.
	write := func(s *Stack, d service.Env, v int) {
		t.Helper()
		if _, err := s.DB().Exec(ctx, "INSERT INTO devstacktest.things VALUES ($1)", v); err != nil {
			t.Fatal(err)
		}
		vk, err := d.Valkey.Client()
		if err != nil {
			t.Fatal(err)
		}
		if err := vk.Do(ctx, vk.B().Set().Key(d.Valkey.KeyPrefix+"k").Value("v").Build()).Error(); err != nil {
			t.Fatal(err)
		}
	}
	write(a, depsA, 2)
	write(b, depsB, 3)
	checkState(t, a, depsA, []int{1, 2}, true)
	checkState(t, b, depsB, []int{1, 3}, true)

	// rm -rf A's data dir: A starts from scratch, B keeps its state.
	clusterBefore := clusterID(t, a)
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(cfgA.DataDir); err != nil {
		t.Fatal(err)
	}
	a, depsA = ownStack(t, cfgA)
	checkState(t, a, depsA, []int{1}, false)
	if after := clusterID(t, a); after == clusterBefore {
		t.Errorf("a wiped data dir's broker kept the cluster id %s: stored offsets could not tell the new cluster from the old", after)
	}
	checkState(t, b, depsB, []int{1, 3}, true)

	// --reset on B's data dir: the same, explicitly.
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	cfgB.Reset = true
	b, depsB = ownStack(t, cfgB)
	checkState(t, b, depsB, []int{1}, false)
}

// checkState fails unless the stack's table holds exactly rows and its key exists or not.
func checkState(t *testing.T, s *Stack, d service.Env, rows []int, key bool) {
	t.Helper()
	rs, err := s.DB().Query(t.Context(), "SELECT id FROM devstacktest.things ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rs, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, rows) {
		t.Errorf("stack on %s has rows %v; want %v", s.cfg.DataDir, got, rows)
	}
	vk, err := d.Valkey.Client()
	if err != nil {
		t.Fatal(err)
	}
	n, err := vk.Do(t.Context(), vk.B().Exists().Key(d.Valkey.KeyPrefix+"k").Build()).AsInt64()
	if err != nil {
		t.Fatal(err)
	}
	if (n == 1) != key {
		t.Errorf("stack on %s: key %sk exists = %v; want %v", s.cfg.DataDir, d.Valkey.KeyPrefix, n == 1, key)
	}
}
