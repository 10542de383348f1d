package config_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/config"
)

// Commands run beside `novatrek dev` (groups reset, dlq redrive, migrate, lag-exporter) use
// the dev stack's own database when DATABASE_URL is unset, and DATABASE_URL as is when set.
func TestUnsetDatabaseURLIsTheDevStacksDatabase(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("NOVATREK_DATA_DIR", dir)
	t.Setenv("DATABASE_URL", "")
	if got := config.FromEnv().DatabaseURL; got != config.DefaultDatabaseURL {
		t.Errorf("without a dev stack state: DATABASE_URL %s; want the default %s", got, config.DefaultDatabaseURL)
	}
	st, err := config.NewDevState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write(dir); err != nil {
		t.Fatal(err)
	}
	url := config.FromEnv().DatabaseURL
	if db, err := pgx.ParseConfig(url); err != nil || db.Database != st.Database {
		t.Errorf("with the dev stack's state: DATABASE_URL %s (%v); want database %s", config.Redact(url), err, st.Database)
	}
	t.Setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mine")
	if got := config.FromEnv().DatabaseURL; got != "postgres://postgres@127.0.0.1:5432/mine" {
		t.Errorf("DATABASE_URL given: %s; want it as is", got)
	}
}

// Two data dirs get different names; the same data dir, the same names.
func TestDevStateNamesFollowTheDataDir(t *testing.T) {
	a1, _ := config.NewDevState(t.TempDir())
	b, _ := config.NewDevState(t.TempDir())
	dir := t.TempDir()
	a2, _ := config.NewDevState(dir)
	a3, _ := config.NewDevState(dir)
	if a1 == b || a2 != a3 || a1.Database == "" || a1.ValkeyPrefix != a1.Database+":" {
		t.Errorf("names: %+v %+v %+v %+v", a1, b, a2, a3)
	}
}
