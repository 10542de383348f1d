package devstack

import (
	"log/slog"
	"net"
	"os"
	"testing"
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
