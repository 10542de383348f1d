// Package valkeytest finds the real Valkey (or Redis) server the tests run against, the way
// pgtest finds PostgreSQL: VALKEY_TEST_URL if set, else the Valkey 8 that scripts/setup starts
// on 127.0.0.1:6380, else the Redis/Valkey of the dev stack on 6379. A test whose server does
// not answer fails: skipping would let a broken machine pass CI.
//
// Tests that share fixed key names (the notification lanes) pick distinct logical databases
// and clear those keys, so packages running in parallel do not take each other's jobs.
// Database 0 is refused: it is where `novatrek dev` keeps its keys when the fallback server is
// the dev server, and a test must never write there.
package valkeytest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"
)

// URL returns the URL of the first answering server, with logical database db selected.
func URL(t testing.TB, db int) string {
	t.Helper()
	if db < 1 || db > 15 {
		t.Fatalf("valkeytest: database %d: tests use databases 1 to 15 (0 belongs to the dev stack)", db)
	}
	candidates := []string{"redis://127.0.0.1:6380", "redis://127.0.0.1:6379"}
	if u := os.Getenv("VALKEY_TEST_URL"); u != "" {
		candidates = []string{u}
	}
	var errs []error
	for _, raw := range candidates {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("valkeytest: parse %q: %v", raw, err)
		}
		u.Path = "/" + strconv.Itoa(db)
		c, err := connect(u.String())
		if err == nil {
			err = c.Do(t.Context(), c.B().Ping().Build()).Error()
			c.Close()
		}
		if err == nil {
			return u.String()
		}
		errs = append(errs, fmt.Errorf("%s: %w", raw, err))
	}
	t.Fatalf("valkeytest: no Valkey/Redis server answers (run scripts/setup, or set VALKEY_TEST_URL): %v", errs)
	return ""
}

// Client connects to URL(t, db) and deletes keys before the test and again when it ends;
// the client closes when the test ends.
func Client(t testing.TB, db int, keys ...string) valkey.Client {
	t.Helper()
	c, err := connect(URL(t, db))
	if err != nil {
		t.Fatalf("valkeytest: connect: %v", err)
	}
	Clear(t, c, keys...)
	t.Cleanup(func() {
		Clear(t, c, keys...)
		c.Close()
	})
	return c
}

// Clear deletes keys; tests call it between phases that reuse fixed key names.
func Clear(t testing.TB, c valkey.Client, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if err := c.Do(context.Background(), c.B().Del().Key(k).Build()).Error(); err != nil {
			t.Errorf("valkeytest: delete %s: %v", k, err)
		}
	}
}

func connect(raw string) (valkey.Client, error) {
	opt, err := valkey.ParseURL(raw)
	if err != nil {
		return nil, err
	}
	opt.DisableCache = true // Redis 7 fallback: no client-side caching needed by tests
	opt.Dialer.Timeout = 2 * time.Second
	return valkey.NewClient(opt)
}
