package analytics

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
)

// getenv is a service environment of the given "NAME", "value" pairs.
func getenv(kv ...string) func(string) string {
	env := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return func(k string) string { return env[k] }
}

// TestStoreSettingsRefuseBadCombinations: the store is PostgreSQL by default (ORACLE_DSN
// alone does not switch it); an unknown store, or Oracle without ORACLE_DSN, stops the
// start with one line naming the variable.
func TestStoreSettingsRefuseBadCombinations(t *testing.T) {
	for _, ok := range [][]string{nil, {"ORACLE_DSN", "analytics/secret-pw@127.0.0.1:1521/FREEPDB1"},
		{"ANALYTICS_STORE", "oracle", "ORACLE_DSN", "analytics/secret-pw@127.0.0.1:1521/FREEPDB1"}} {
		var c Config
		if err := config.Load(getenv(ok...), &c); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []struct {
		env  []string
		name string
	}{
		{[]string{"ANALYTICS_STORE", "mysql"}, "ANALYTICS_STORE"},
		{[]string{"ANALYTICS_STORE", "oracle"}, "ORACLE_DSN"},
	} {
		var c Config
		err := config.Load(getenv(bad.env...), &c)
		if err == nil || !strings.Contains(err.Error(), bad.name) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want one line naming %s", bad.env, err, bad.name)
		}
	}
}

// TestOracleStoreThatCannotConnectStopsTheStart: with ANALYTICS_STORE=oracle the service
// connects at start; here, without the Oracle client library or a server, that fails with
// one line naming ORACLE_DSN and not repeating its password, instead of starting on
// PostgreSQL.
func TestOracleStoreThatCannotConnectStopsTheStart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := newApp(ctx, service.Env{Name: ServiceName, Logger: slog.New(slog.DiscardHandler), Now: time.Now,
		Getenv: getenv("ANALYTICS_STORE", "oracle", "ORACLE_DSN", "analytics/secret-pw@127.0.0.1:1/FREEPDB1")})
	if err == nil {
		t.Fatal("the service started with an Oracle store it cannot reach")
	}
	if msg := err.Error(); !strings.Contains(msg, "ORACLE_DSN") || strings.Contains(msg, "secret-pw") || strings.Contains(msg, "\n") {
		t.Fatalf("start error %q: want one line naming ORACLE_DSN without its password", msg)
	}
	t.Log(err)
}

// TestChecksumCommandReadsTheConfiguredStore: `novatrek analytics checksum` fingerprints
// the PostgreSQL tables by default and, with ANALYTICS_STORE=oracle, asks Oracle (here
// unreachable: an error naming ORACLE_DSN, not PostgreSQL's empty tables).
func TestChecksumCommandReadsTheConfiguredStore(t *testing.T) {
	t.Parallel()
	svc := startStore(t)
	writeRows(t, svc, eventRows(t, 0, 1, time.Now().UTC()))
	ctx := context.Background()
	want, err := Checksums(ctx, svc.DB)
	if err != nil {
		t.Fatal(err)
	}
	got, err := StoreChecksums(ctx, svc.DB, getenv())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) || got[0].Rows == 0 {
		t.Fatalf("checksums of the default store %v, want PostgreSQL's %v with the booking rows", got, want)
	}
	_, err = StoreChecksums(ctx, svc.DB, getenv("ANALYTICS_STORE", "oracle", "ORACLE_DSN", "analytics/secret-pw@127.0.0.1:1/FREEPDB1"))
	if err == nil || !strings.Contains(err.Error(), "ORACLE_DSN") {
		t.Fatalf("checksums with ANALYTICS_STORE=oracle and no Oracle: %v, want an error naming ORACLE_DSN", err)
	}
}
