package devstack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/pgtest"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// newDatabaseURL returns the URL of a database that does not exist yet on the test server
// (the stack must create it), dropped when the test ends.
func newDatabaseURL(t *testing.T) string {
	t.Helper()
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := "devstack_" + hex.EncodeToString(b)
	u, err := url.Parse(pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, pgtest.AdminURL())
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	return u.String()
}

// valkeyURL is the test Valkey/Redis server (VALKEY_URL, default the local one).
func valkeyURL() string {
	if u := os.Getenv("VALKEY_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// testConfig is a stack on free ports in a temporary data dir, against the test servers.
func testConfig(t *testing.T, dataDir string) Config {
	return Config{
		DataDir:        dataDir,
		KafkaAddr:      "127.0.0.1:0",
		RegistryAddr:   "127.0.0.1:0",
		HTTPAddr:       "127.0.0.1:0",
		ValkeyURL:      valkeyURL(),
		NoChildServers: true,
		Logger:         testLogger(t),
	}
}
