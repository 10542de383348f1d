package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/valkey-io/valkey-go"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/service"
)

// Stack is a running dev stack.
type Stack struct {
	cfg Config
	log *slog.Logger

	metrics *prometheus.Registry
	ready   atomic.Bool
	ops     *service.HTTPServer
	opsMux  *http.ServeMux

	kafka    *kfake.Cluster
	kcl      *kgo.Client
	regSrv   *service.HTTPServer
	registry *sr.Client
	pool     *pgxpool.Pool
	valkey   valkey.Client

	startedPostgres *child
	startedValkey   *child

	// state names the database and Valkey key prefix of the data dir; fresh when the data
	// dir had no record of them (new, deleted or reset), so they are cleared at start.
	state config.DevState
	fresh bool
	// dbGiven and valkeyGiven: DatabaseURL / ValkeyURL were set explicitly.
	dbGiven, valkeyGiven bool

	services *serviceGroup
	lagExp   *lag.Exporter // behind /metrics; the console reads it too
	summary  summary

	// closers undo the start steps; Close runs them last first.
	closers []closer
}

type closer struct {
	name string
	fn   func(context.Context) error
}

func (s *Stack) onClose(name string, fn func(context.Context) error) {
	s.closers = append(s.closers, closer{name, fn})
}

// Start brings the stack up (see the package documentation for the steps). On error,
// whatever was already started is stopped again before it returns.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	dbGiven, valkeyGiven := cfg.DatabaseURL != "", cfg.ValkeyURL != ""
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Stack{cfg: cfg, log: cfg.Logger, metrics: service.NewMetricsRegistry(), dbGiven: dbGiven, valkeyGiven: valkeyGiven}
	defer func() {
		if err != nil {
			_ = s.Close(context.WithoutCancel(ctx))
		}
	}()
	if err := s.prepareDataDir(ctx); err != nil {
		return nil, err
	}

	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"http", s.startHTTP},
		{"kafka", s.startKafka},
		{"registry", s.startRegistry},
		{"topics", s.createTopics},
		{"lag exporter", s.startLagExporter},
		{"schemas", s.registerSchemas},
		{"postgres", s.startPostgres},
		{"valkey", s.startValkey},
		{"data dir state", s.saveState},
		{"migrations", s.migrate},
		{"console", s.startConsole},
		{"fakes", s.startFakes},
		{"services", s.startServices},
		{"stand-ins", s.startStandins},
		{"simulator", s.startSimulator},
		{"live status", s.startStatus},
	}
	for _, st := range steps {
		if err := st.fn(ctx); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("devstack: start interrupted after %s: %w", st.name, err)
		}
	}
	s.ready.Store(true)
	s.log.InfoContext(ctx, "dev stack ready")
	if cfg.Banner != nil {
		s.writeBanner(cfg.Banner)
	}
	return s, nil
}

// Run starts the stack, waits until ctx is done (SIGINT/SIGTERM in the CLI) or a service
// fails, and stops it. A service failure is returned; a cancelled ctx is a clean stop.
func Run(ctx context.Context, cfg Config) error {
	s, err := Start(ctx, cfg)
	if err != nil {
		return err
	}
	var runErr error
	select {
	case <-ctx.Done():
		s.log.Info("stopping dev stack", "reason", context.Cause(ctx))
	case runErr = <-s.services.failed:
		s.log.Error("a service failed; stopping dev stack", "err", runErr)
	}
	return errors.Join(runErr, s.Close(context.WithoutCancel(ctx)))
}

// Close stops everything Start started, last first, each step bounded by ShutdownTimeout.
// Kafka's data is written to disk when its step runs. Close is safe to call twice.
func (s *Stack) Close(ctx context.Context) error {
	s.ready.Store(false)
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		c := s.closers[i]
		cctx, cancel := context.WithTimeout(ctx, s.cfg.ShutdownTimeout)
		err := c.fn(cctx)
		cancel()
		if err != nil {
			s.log.Error("stop failed", "step", c.name, "err", err)
			errs = append(errs, fmt.Errorf("devstack: stop %s: %w", c.name, err))
			continue
		}
		s.log.Info("stopped", "step", c.name)
	}
	s.closers = nil
	return errors.Join(errs...)
}

// Brokers returns the Kafka seed brokers, e.g. ["127.0.0.1:9092"]: the embedded broker's
// address, or the external cluster's seed brokers.
func (s *Stack) Brokers() []string {
	if s.kafka == nil {
		return s.cfg.ExternalBrokers
	}
	return s.kafka.ListenAddrs()
}

// kafkaOpts are the options of every Kafka client in the stack: its broker and the
// KafkaCompression of every producer.
func (s *Stack) kafkaOpts() []kgo.Opt {
	return config.Config{KafkaBrokers: s.Brokers(), KafkaCompression: s.cfg.KafkaCompression}.KafkaOpts()
}

// RegistryURL returns the schema registry's base URL, e.g. http://127.0.0.1:8081: the
// embedded registry's, or ExternalRegistryURL.
func (s *Stack) RegistryURL() string {
	if s.regSrv == nil {
		return s.cfg.ExternalRegistryURL
	}
	return "http://" + s.regSrv.Addr()
}

// DatabaseURL returns the PostgreSQL URL the services use.
func (s *Stack) DatabaseURL() string { return s.cfg.DatabaseURL }

// ValkeyPrefix returns the prefix of every Valkey key the stack's services write.
func (s *Stack) ValkeyPrefix() string { return s.state.ValkeyPrefix }

// HTTPAddr returns the address of /metrics, /healthz, /readyz and the services' APIs.
func (s *Stack) HTTPAddr() string { return s.ops.Addr() }

// Registry returns a client of the stack's schema registry.
func (s *Stack) Registry() *sr.Client { return s.registry }

// DB returns the stack's pool on DatabaseURL.
func (s *Stack) DB() *pgxpool.Pool { return s.pool }

func (s *Stack) startPostgres(ctx context.Context) error {
	recreate := s.fresh && !s.dbGiven
	if s.fresh && s.dbGiven {
		s.log.WarnContext(ctx, "the data dir is new, but DATABASE_URL was given: its database is used as is and keeps its state", "url", config.Redact(s.cfg.DatabaseURL))
	}
	started, err := ensurePostgres(ctx, s.cfg.DatabaseURL, s.cfg.DataDir, !s.cfg.NoChildServers, recreate, s.log)
	if err != nil {
		return err
	}
	if started != nil {
		s.startedPostgres = started
		s.onClose("postgres server", started.stop)
	}
	pool, err := service.ConnectPostgres(ctx, s.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	s.pool = pool
	s.onClose("postgres pool", func(context.Context) error { pool.Close(); return nil })
	s.log.InfoContext(ctx, "postgres ready", "url", config.Redact(s.cfg.DatabaseURL), "started_here", started != nil)
	return nil
}

func (s *Stack) startValkey(ctx context.Context) error {
	client, started, err := ensureValkey(ctx, s.cfg.ValkeyURL, s.cfg.DataDir, !s.cfg.NoChildServers, s.log)
	if err != nil {
		return err
	}
	if started != nil {
		s.startedValkey = started
		s.onClose("valkey server", started.stop)
	}
	s.valkey = client
	s.onClose("valkey client", func(context.Context) error { client.Close(); return nil })
	if s.fresh {
		n, err := deleteKeys(ctx, client, s.state.ValkeyPrefix)
		if err != nil {
			return err
		}
		if n > 0 {
			s.log.WarnContext(ctx, "data dir new or reset: deleted the Valkey keys it had", "prefix", s.state.ValkeyPrefix, "keys", n)
		}
	}
	s.log.InfoContext(ctx, "valkey ready", "url", config.Redact(s.cfg.ValkeyURL), "started_here", started != nil)
	return nil
}

func (s *Stack) migrate(ctx context.Context) error {
	if err := runner.Migrate(ctx, s.pool, s.log, s.cfg.Services...); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "stores migrated", "services", len(s.cfg.Services))
	return nil
}
