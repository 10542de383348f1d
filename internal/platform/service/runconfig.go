package service

import (
	"log/slog"
	"time"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/topology"
)

// RunConfig configures one production process (runner.Run, `novatrek run <service>`).
type RunConfig struct {
	// Config holds the connection settings; Open validates it first.
	Config config.Config
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// SkipMigrations leaves the schema as it is (`run --no-migrate`), for deployments that
	// migrate in a separate step with `novatrek migrate`. Default false: migrate at start.
	SkipMigrations bool
	// Topology defaults to topology.Default(), the topics.yaml built into the binary.
	Topology *topology.Topology
	// ShutdownTimeout bounds the HTTP server's graceful stop; default 10s.
	ShutdownTimeout time.Duration
	// Getenv reads the service's own variables (clients, tokens, pool size); default
	// os.Getenv.
	Getenv func(string) string
	// ValkeyKeyPrefix starts every Valkey key the service writes (store.Valkey.KeyPrefix):
	// `novatrek run` beside `novatrek dev` uses the dev stack's prefix, so a second instance
	// shares the first one's job streams. Empty: key names as they are.
	ValkeyKeyPrefix string
}
