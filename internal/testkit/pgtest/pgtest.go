// Package pgtest gives each test its own throwaway PostgreSQL database on the real server, so
// tests can run in parallel without sharing state and without mocking the store.
//
// The server is found through PGTEST_ADMIN_URL, defaulting to the local trust-auth server
// (postgres://postgres@127.0.0.1:5432/postgres). A test whose server does not answer fails:
// skipping would let a broken machine pass CI.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/config"
)

// DefaultAdminURL is the maintenance database used to create and drop test databases.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL returns PGTEST_ADMIN_URL or DefaultAdminURL.
func AdminURL() string {
	if u := os.Getenv("PGTEST_ADMIN_URL"); u != "" {
		return u
	}
	return DefaultAdminURL
}

// URL creates a fresh empty database for t and returns its connection URL. The database is
// dropped (with FORCE, so leaked connections do not block it) when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", config.Redact(AdminURL()), err)
	}
	defer admin.Close(ctx)

	name := "test_" + randomSuffix()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() { drop(t, name) })
	return databaseURL(t, name)
}

// URLToCreate returns the URL of a database that does not exist yet, for tests of code that
// creates its own database. It is dropped, if it was created, when the test ends.
func URLToCreate(t testing.TB) string {
	t.Helper()
	name := "test_" + randomSuffix()
	t.Cleanup(func() { drop(t, name) })
	return databaseURL(t, name)
}

// databaseURL is the admin URL with its database replaced by name.
func databaseURL(t testing.TB, name string) string {
	t.Helper()
	u, err := url.Parse(AdminURL())
	if err != nil {
		t.Fatalf("pgtest: parse admin url: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// NewDB creates a fresh database for t and returns a pool on it, closed before the database
// is dropped.
func NewDB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dbURL := URL(t)
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("pgtest: open pool: %v", err)
	}
	t.Cleanup(pool.Close) // cleanups run last-in first-out: the pool closes before the drop
	return pool
}

func drop(t testing.TB, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Errorf("pgtest: connect to drop %s: %v", name, err)
		return
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Errorf("pgtest: drop database %s: %v", name, err)
	}
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Exec runs sql on pool and fails the test on error: a terse helper for fixtures.
func Exec(t testing.TB, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, fmt.Errorf("%w", err))
	}
}
