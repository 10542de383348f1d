package devstack

import (
	"context"
	"log/slog"
	"net"
	"testing"

	"github.com/valkey-io/valkey-go"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/testkit/valkeytest"
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

// testValkeyDB is the test Valkey database of this package's stacks (internal/testkit/valkeytest);
// each stack's keys are under its own data dir's prefix there.
const testValkeyDB = 8

// testConfig is a stack on free ports in a temporary data dir, against the test servers. The
// Valkey keys under the data dir's prefix are deleted when the test ends.
func testConfig(t *testing.T, dataDir string) Config {
	t.Helper()
	url := valkeytest.URL(t, testValkeyDB)
	st, err := config.NewDevState(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		opt, err := valkey.ParseURL(url)
		if err != nil {
			t.Fatal(err)
		}
		opt.DisableCache = true
		c, err := valkey.NewClient(opt)
		if err != nil {
			t.Errorf("clean up Valkey keys %s*: %v", st.ValkeyPrefix, err)
			return
		}
		defer c.Close()
		if _, err := deleteKeys(context.Background(), c, st.ValkeyPrefix); err != nil {
			t.Errorf("clean up: %v", err)
		}
	})
	return Config{
		DataDir:        dataDir,
		KafkaAddr:      "127.0.0.1:0",
		RegistryAddr:   "127.0.0.1:0",
		HTTPAddr:       "127.0.0.1:0",
		ValkeyURL:      url,
		NoChildServers: true,
		Logger:         testLogger(t),
	}
}
