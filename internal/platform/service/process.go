package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/topology"
)

// Process is what one production process (`novatrek run <service>`) connects from its
// RunConfig: its connections, /metrics, /healthz and /readyz. runner.Run builds on it
// (the dev stack connects its own, so the part a single process needs lives here).
type Process struct {
	RunConfig
	Metrics  *prometheus.Registry
	DB       *pgxpool.Pool // nil when the service keeps nothing in PostgreSQL
	Registry *sr.Client
	Serde    *serde.Serde
	// KafkaOpts seed Kafka clients with the configured brokers.
	KafkaOpts []kgo.Opt
	Valkey    *Valkey
	// Kafka is the readiness probe of the brokers.
	Kafka ReadyCheck
	probe *kgo.Client
}

// Open validates rc and fills its defaults, runs check on the topology (so a mistyped
// service name fails before anything connects), then opens the process's connections for
// service name: a pool when withDB, the registry, a Kafka probe and the lazy Valkey client.
func Open(ctx context.Context, rc RunConfig, name string, withDB bool, check func(*topology.Topology) error) (*Process, error) {
	if err := rc.Config.Validate(); err != nil {
		return nil, err
	}
	if rc.Logger == nil {
		rc.Logger = slog.Default()
	}
	if rc.ShutdownTimeout <= 0 {
		rc.ShutdownTimeout = 10 * time.Second
	}
	if rc.Getenv == nil {
		rc.Getenv = os.Getenv
	}
	if rc.Topology == nil {
		var err error
		if rc.Topology, err = topology.Default(); err != nil {
			return nil, err
		}
	}
	if err := check(rc.Topology); err != nil {
		return nil, err
	}
	p := &Process{RunConfig: rc, Metrics: NewMetricsRegistry(), KafkaOpts: rc.Config.KafkaOpts()}
	ok := false
	defer func() {
		if !ok {
			p.Close()
		}
	}()
	var err error
	if withDB {
		if p.DB, err = ConnectPostgres(ctx, rc.Config.DatabaseURL); err != nil {
			return nil, err
		}
	}
	if p.Registry, err = sr.NewClient(sr.URLs(rc.Config.SchemaRegistryURL)); err != nil {
		return nil, fmt.Errorf("schema registry client for %s: %w", rc.Config.SchemaRegistryURL, err)
	}
	p.Serde = serde.New(p.Registry)
	if p.probe, err = kgo.NewClient(append(p.KafkaOpts, kgo.ClientID(name+"-probe"))...); err != nil {
		return nil, fmt.Errorf("kafka client for %v: %w", rc.Config.KafkaBrokers, err)
	}
	p.Kafka = ReadyCheck{Name: "kafka", Probe: p.probe.Ping}
	p.Valkey = NewValkey(rc.Config.ValkeyURL)
	p.Valkey.KeyPrefix = rc.ValkeyKeyPrefix
	ok = true
	return p, nil
}

// Close closes what Open opened.
func (p *Process) Close() {
	if p.Valkey != nil {
		p.Valkey.Close()
	}
	if p.probe != nil {
		p.probe.Close()
	}
	if p.DB != nil {
		p.DB.Close()
	}
}

// Serve serves api beside /metrics, /healthz and /readyz (checks) on HTTP_ADDR and calls
// run; /readyz says ready while run runs. When run returns, /readyz answers 503 and the
// HTTP server shuts down gracefully (ShutdownTimeout), so no request outlives the service.
// A run ended by ctx is a clean stop (nil); any other error is returned naming name.
func (p *Process) Serve(ctx context.Context, name string, api http.Handler, checks []ReadyCheck, run func(context.Context) error) error {
	var ready atomic.Bool
	ops := NewOpsMux(p.Metrics, ready.Load, checks...)
	ops.Handle("/", api)
	srv, err := ListenHTTP(p.Config.HTTPAddr, ops)
	if err != nil {
		return fmt.Errorf("HTTP server: %w", err)
	}
	p.Logger.InfoContext(ctx, "service starting", "service", name, "http", srv.Addr(), "brokers", p.Config.KafkaBrokers, "registry", p.Config.SchemaRegistryURL)
	ready.Store(true)
	runErr := run(ctx)
	ready.Store(false)

	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		p.Logger.Warn("HTTP server shutdown", "err", err)
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return fmt.Errorf("service %s: %w", name, runErr)
	}
	p.Logger.Info("service stopped", "service", name)
	return nil
}
