package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/config"
	"github.com/novatrek/support/internal/serde"
	"github.com/novatrek/support/internal/topology"
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
}

// Run is production mode: it connects svc to the brokers, registry and stores named in
// rc.Config, migrates its schema, serves its API with /metrics, /healthz and /readyz on
// HTTP_ADDR, and runs it until ctx is done or it fails.
func Run(ctx context.Context, svc Service, rc RunConfig) error {
	if err := rc.Config.Validate(); err != nil {
		return err
	}
	logger := rc.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if rc.ShutdownTimeout <= 0 {
		rc.ShutdownTimeout = 10 * time.Second
	}
	topo := rc.Topology
	if topo == nil {
		var err error
		if topo, err = topology.Default(); err != nil {
			return err
		}
	}
	if err := Check([]Service{svc}, topo); err != nil {
		return err
	}
	cfg := rc.Config
	metrics := NewMetricsRegistry()

	var pool *pgxpool.Pool
	if svc.Schema() != "" {
		var err error
		if pool, err = ConnectPostgres(ctx, cfg.DatabaseURL); err != nil {
			return err
		}
		defer pool.Close()
		if !rc.SkipMigrations {
			if err := Migrate(ctx, pool, logger, svc); err != nil {
				return err
			}
		}
	}

	registry, err := sr.NewClient(sr.URLs(cfg.SchemaRegistryURL))
	if err != nil {
		return fmt.Errorf("schema registry client for %s: %w", cfg.SchemaRegistryURL, err)
	}
	kafkaOpts := cfg.KafkaOpts()
	probe, err := kgo.NewClient(append(kafkaOpts, kgo.ClientID(svc.Name()+"-probe"))...)
	if err != nil {
		return fmt.Errorf("kafka client for %v: %w", cfg.KafkaBrokers, err)
	}
	defer probe.Close()

	vk := NewValkey(cfg.ValkeyURL)
	defer vk.Close()

	var ready atomic.Bool
	checks := []ReadyCheck{{Name: "kafka", Probe: probe.Ping}}
	if pool != nil {
		checks = append(checks, ReadyCheck{Name: "postgres", Probe: pool.Ping})
	}
	shared := Deps{
		Config:    cfg,
		Logger:    logger,
		Metrics:   metrics,
		DB:        pool,
		Registry:  registry,
		Serde:     serde.New(registry),
		Topology:  topo,
		KafkaOpts: kafkaOpts,
		Valkey:    vk,
	}
	deps := shared.For(svc, http.NewServeMux())
	api, err := APIHandler(svc, deps)
	if err != nil {
		return err
	}
	ops := NewOpsMux(metrics, ready.Load, checks...)
	ops.Handle("/", api)
	srv, err := ListenHTTP(cfg.HTTPAddr, ops)
	if err != nil {
		return fmt.Errorf("HTTP server: %w", err)
	}

	logger.InfoContext(ctx, "service starting", "service", svc.Name(), "http", srv.Addr(), "brokers", cfg.KafkaBrokers, "registry", cfg.SchemaRegistryURL)
	ready.Store(true)
	runErr := svc.Run(ctx, deps)
	ready.Store(false)

	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rc.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("HTTP server shutdown", "err", err)
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return fmt.Errorf("service %s: %w", svc.Name(), runErr)
	}
	logger.Info("service stopped", "service", svc.Name())
	return nil
}
