package runner

import (
	"context"
	"errors"
	"net"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
)

// Run is `novatrek run <service>` for any definition: it connects what rc.Config names (service.Open), migrates the composed
// sets unless rc.SkipMigrations, caches the schema ids it needs (CacheSchemas: waiting
// while the registry does not answer), starts the service (Start) and serves its API beside
// /metrics, /healthz and /readyz (Kafka and the service's Checks) on HTTP_ADDR until ctx
// ends or the service fails. Shutdown: /readyz 503, the HTTP server drains, then the
// service stops (the stream commits or abandons its batch, relay and workers return).
func Run(ctx context.Context, def service.Definition, rc service.RunConfig) error {
	d := def.Describe()
	p, err := service.Open(ctx, rc, d.Name, d.Store.Schema != "", func(topo *topology.Topology) error {
		return Check([]service.Definition{def}, topo)
	})
	if err != nil {
		return err
	}
	defer p.Close()
	if p.DB != nil && !p.SkipMigrations {
		if err := Migrate(ctx, p.DB, p.Logger, def); err != nil {
			return err
		}
	}
	if err := CacheSchemas(ctx, p.Serde, p.Registry, p.Topology, d.Consumes, d.Produces, p.Logger); err != nil {
		if ctx.Err() != nil {
			return nil // stopped while waiting for the registry: a clean shutdown
		}
		return err
	}
	h := Host{Config: p.Config, Logger: p.Logger, Metrics: p.Metrics, DB: p.DB, Registry: p.Registry, Serde: p.Serde,
		Topology: p.Topology, KafkaOpts: p.KafkaOpts, Valkey: p.Valkey, Getenv: p.Getenv,
		BaseURL: func(string) string { return BaseURL(p.Config.HTTPAddr) }}
	svc, err := Start(ctx, h, def)
	if err != nil {
		return err
	}
	serveErr := p.Serve(ctx, d.Name, svc.API, append([]service.ReadyCheck{p.Kafka}, svc.Checks...), func(ctx context.Context) error {
		select {
		case <-ctx.Done():
		case <-svc.Done():
		}
		return nil
	})
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.ShutdownTimeout)
	defer cancel()
	return errors.Join(serveErr, svc.Stop(sctx))
}

// BaseURL is where a process serving on addr is reachable: http://addr, 127.0.0.1 for an
// empty host.
func BaseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
