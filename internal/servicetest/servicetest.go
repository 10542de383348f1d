// Package servicetest runs one service from its Spec the way `novatrek run` does (through
// internal/runner) on a fresh database, the in-process Kafka and our schema registry, and
// gives the test helpers to publish an event, await a row or an outgoing event, and call the
// API as a caller. Every test of a service starts here, so tests exercise the real wiring.
package servicetest

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/apiauth"
	"github.com/novatrek/support/internal/kafkatest"
	"github.com/novatrek/support/internal/pgtest"
	"github.com/novatrek/support/internal/runner"
	"github.com/novatrek/support/internal/service"
	"github.com/novatrek/support/internal/store"
	"github.com/novatrek/support/internal/stream/streamtest"
	"github.com/novatrek/support/internal/topology"
	"github.com/novatrek/support/internal/valkeytest"
)

// Service is a service running for one test; everything stops at the test's cleanup.
type Service[S any] struct {
	T testing.TB
	// State is what the Spec's New built (for white-box assertions).
	State S
	// DB is the test's own database, the service's schema migrated and seeded.
	DB *pgxpool.Pool
	// Kafka is the cluster and registry; the Spec's topics exist.
	Kafka *kafkatest.Env
	// URL is the API behind the edge.
	URL     string
	Metrics *prometheus.Registry

	spec     *service.Spec[S]
	topo     *topology.Topology
	running  *runner.Service
	producer *kgo.Client
	tokens   map[string]string
}

// Partitions is how many partitions each of the Spec's topics gets.
const Partitions = 3

// Token is caller's bearer token in tests: "<caller>-test-token-0123456789".
func Token(caller string) string { return caller + "-test-token-0123456789" }

// Start runs spec until the test ends. The environment the service reads is the options'
// only (WithEnv, WithTokens), never the machine's, so a test is hermetic.
func Start[S any](t testing.TB, spec *service.Spec[S], opts ...Option) *Service[S] {
	t.Helper()
	o := options{env: map[string]string{}}
	for _, opt := range opts {
		opt(&o)
	}
	topo := o.topo
	if topo == nil {
		var err error
		if topo, err = topology.Default(); err != nil {
			t.Fatal(err)
		}
	}
	s := &Service[S]{T: t, topo: topo, DB: pgtest.NewDB(t), Kafka: kafkatest.New(t), Metrics: service.NewMetricsRegistry()}
	// Capture the state New builds, without changing the caller's Spec.
	wrapped := *spec
	wrapped.New = func(ctx context.Context, env service.Env) (S, error) {
		st, err := spec.New(ctx, env)
		s.State = st
		return st, err
	}
	s.spec = &wrapped
	desc := wrapped.Describe()
	s.createTopics(desc)

	if o.tokens == nil {
		o.tokens = map[string]string{}
		for _, r := range desc.Routes {
			for _, c := range r.Access.Callers {
				o.tokens[c] = Token(c)
			}
		}
	}
	s.tokens = o.tokens
	if len(o.tokens) > 0 {
		var pairs []string
		for _, c := range slices.Sorted(maps.Keys(o.tokens)) {
			pairs = append(pairs, c+"="+o.tokens[c])
		}
		o.env[apiauth.EnvTokens] = strings.Join(pairs, ",")
	}

	log := streamtest.Logger(t, slog.LevelWarn)
	host := runner.Host{Logger: log, Metrics: s.Metrics, DB: s.DB, Registry: s.Kafka.Registry, Serde: s.Kafka.Serde,
		Topology: topo, KafkaOpts: []kgo.Opt{kgo.SeedBrokers(s.Kafka.Brokers...)},
		Getenv: func(k string) string { return o.env[k] },
		Tune: runner.Tuning{Now: o.now, SkipWorkers: o.skipWorkers, SkipConsumer: o.skipConsumer,
			MinBackoff: 5 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, RelayPoll: 50 * time.Millisecond}}
	if spec.Valkey {
		host.Valkey = store.NewValkey(valkeytest.URL(t, 0))
		t.Cleanup(host.Valkey.Close)
	}
	defs := []service.Definition{s.spec}
	if err := runner.Check(defs, topo); err != nil {
		t.Fatalf("servicetest: %v", err)
	}
	ctx := context.Background()
	if err := runner.Migrate(ctx, s.DB, log, defs...); err != nil {
		t.Fatalf("servicetest: migrate: %v", err)
	}
	srv := httptest.NewUnstartedServer(nil)
	s.URL = "http://" + srv.Listener.Addr().String()
	host.BaseURL = func(string) string { return s.URL }
	running, err := runner.Start(ctx, host, s.spec)
	if err != nil {
		srv.Close()
		t.Fatalf("servicetest: start %s: %v", spec.Name, err)
	}
	s.running = running
	srv.Config.Handler = running.API
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		s.stop()
	})
	s.producer = s.Kafka.Client(t)
	return s
}

// createTopics creates the topics the Spec consumes and produces, and its dead-letter topic.
func (s *Service[S]) createTopics(d service.Description) {
	topics := slices.Concat(d.Consumes, d.Produces)
	if len(topics) > 0 {
		s.Kafka.CreateTopics(s.T, Partitions, topics...)
	}
	if len(d.Consumes) > 0 {
		s.Kafka.CreateTopics(s.T, 1, topology.DeadLetterTopic(d.Name))
	}
}

// stop stops the service and fails the test if it had failed.
func (s *Service[S]) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), streamtest.WaitTimeout)
	defer cancel()
	if err := s.running.Stop(ctx); err != nil {
		s.T.Errorf("servicetest: %v", err)
	}
}

// Option configures Start.
type Option func(*options)

type options struct {
	env          map[string]string
	tokens       map[string]string
	topo         *topology.Topology
	now          func() time.Time
	skipWorkers  []string
	skipConsumer bool
}

// WithEnv sets environment variables the service reads, as "NAME", "value" pairs.
func WithEnv(kv ...string) Option {
	if len(kv)%2 != 0 {
		panic(fmt.Sprintf("servicetest.WithEnv: odd number of arguments %q", kv))
	}
	return func(o *options) {
		for i := 0; i < len(kv); i += 2 {
			o.env[kv[i]] = kv[i+1]
		}
	}
}

// WithTokens gives exactly these callers these tokens (default: each caller of the Spec's
// routes gets Token(caller)).
func WithTokens(tokens map[string]string) Option { return func(o *options) { o.tokens = tokens } }

// WithTopology runs the service against topo instead of topics.yaml (an example service).
func WithTopology(topo *topology.Topology) Option { return func(o *options) { o.topo = topo } }

// WithClock pins the service's clock.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithoutWorkers leaves the named Spec workers out.
func WithoutWorkers(names ...string) Option {
	return func(o *options) { o.skipWorkers = append(o.skipWorkers, names...) }
}

// WithoutConsumer leaves the stream processor out (API-only tests).
func WithoutConsumer() Option { return func(o *options) { o.skipConsumer = true } }
