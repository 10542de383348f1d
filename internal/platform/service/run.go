package service

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/topology"
)

// RunConfig configures Run.
type RunConfig struct {
	// Config holds the connection settings; Run validates it first.
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
	// Getenv reads the service's own variables (runner.Run: clients, tokens, pool size);
	// default os.Getenv.
	Getenv func(string) string
}

// Run is production mode: it connects svc to the brokers, registry and stores named in
// rc.Config, migrates its schema, serves its API with /metrics, /healthz and /readyz on
// HTTP_ADDR, and runs it until ctx is done or it fails. runner.Run does the same for any
// Definition (a Spec, or a Service through Legacy) on the same Process; this stays for the
// callers of the Service interface until they move onto runner.Run (runner imports
// service, so Run cannot delegate to it).
func Run(ctx context.Context, svc Service, rc RunConfig) error {
	p, err := Open(ctx, rc, svc.Name(), svc.Schema() != "", func(topo *topology.Topology) error {
		return Check([]Service{svc}, topo)
	})
	if err != nil {
		return err
	}
	defer p.Close()
	if p.DB != nil && !p.SkipMigrations {
		if err := Migrate(ctx, p.DB, p.Logger, svc); err != nil {
			return err
		}
	}
	deps := p.Deps().For(svc, http.NewServeMux())
	api, err := APIHandler(svc, deps)
	if err != nil {
		return err
	}
	checks := []ReadyCheck{p.Kafka}
	if p.DB != nil {
		checks = append(checks, ReadyCheck{Name: "postgres", Probe: p.DB.Ping})
	}
	return p.Serve(ctx, svc.Name(), api, checks, func(ctx context.Context) error { return svc.Run(ctx, deps) })
}
