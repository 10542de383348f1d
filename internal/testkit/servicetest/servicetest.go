// Package servicetest runs one service from its Spec the way `novatrek run` does (through
// internal/platform/runner) on a fresh database, the in-process Kafka and our schema registry, and
// gives the test helpers to publish an event, await a row or an outgoing event, and call the
// API as a caller. Every test of a service starts here, so tests exercise the real wiring.
package servicetest

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/openapitest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/valkeytest"
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
	// URL is the API behind the edge, with /metrics, /healthz and /readyz as a process
	// serves them.
	URL string
	// Metrics are the running service's (new at each Restart).
	Metrics *prometheus.Registry
	// Fakes are the third-party fakes started for the Spec's Clients whose URL variable the
	// options left unset (fakes.Provide, as dev and run do); they call back on URL.
	Fakes *fakes.Set

	spec     *service.Spec[S]
	topo     *topology.Topology
	host     runner.Host
	running  *runner.Service
	api      atomic.Pointer[http.Handler]
	producer *kgo.Client
	tokens   map[string]string
	// wrap is WithOpenAPICheck's around each start's API; nil: none.
	wrap    func(http.Handler) http.Handler
	stopped bool
}

// Partitions is how many partitions each of the Spec's topics gets.
const Partitions = 3

// Token is caller's bearer token in tests: "<caller>-test-token-0123456789".
func Token(caller string) string { return caller + "-test-token-0123456789" }

// GuestKey signs the guest tokens of Call(Guest(id), ...) (NOVATREK_GUEST_TOKEN_KEY).
const GuestKey = "servicetest-guest-key-0123456789abcdef"

// Guest is the caller Call authenticates as guest id, with a token signed under GuestKey.
func Guest(id string) string { return guestPrefix + id }

const guestPrefix = apiauth.GuestCaller + ":"

// Start runs spec until the test ends. The environment the service reads is the options'
// only (WithEnv, WithTokens), never the machine's, so a test is hermetic.
func Start[S any](t testing.TB, spec *service.Spec[S], opts ...Option) *Service[S] {
	t.Helper()
	o := collect(opts)
	topo := o.topology(t)
	s := &Service[S]{T: t, topo: topo, DB: pgtest.NewDB(t), Kafka: kafkatest.New(t)}
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
				if c != apiauth.GuestCaller { // guests sign theirs: Call(Guest(id), ...)
					o.tokens[c] = Token(c)
				}
			}
		}
	}
	s.tokens = o.tokens
	if _, set := o.env[apiauth.EnvGuestKey]; !set {
		o.env[apiauth.EnvGuestKey] = GuestKey
	}
	if len(o.tokens) > 0 {
		var pairs []string
		for _, c := range slices.Sorted(maps.Keys(o.tokens)) {
			pairs = append(pairs, c+"="+o.tokens[c])
		}
		o.env[apiauth.EnvTokens] = strings.Join(pairs, ",")
	}

	s.host = o.host(t, spec.Valkey)
	s.host.DB, s.host.Registry, s.host.Serde = s.DB, s.Kafka.Registry, s.Kafka.Serde
	s.host.KafkaOpts = []kgo.Opt{kgo.SeedBrokers(s.Kafka.Brokers...)}
	defs := []service.Definition{s.spec}
	if err := runner.Check(defs, topo); err != nil {
		t.Fatalf("servicetest: %v", err)
	}
	if err := runner.Migrate(context.Background(), s.DB, s.host.Logger, defs...); err != nil {
		t.Fatalf("servicetest: migrate: %v", err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*s.api.Load()).ServeHTTP(w, r)
	}))
	s.URL = "http://" + srv.Listener.Addr().String()
	s.host.BaseURL = func(string) string { return s.URL }
	s.provideFakes(defs, o)
	if o.checkOpenAPI {
		s.wrap = func(h http.Handler) http.Handler { return openapitest.Wrap(t, desc.OpenAPI, h) }
	}
	s.start()
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		if !s.stopped {
			s.stop()
		}
	})
	s.producer = s.Kafka.Client(t)
	return s
}

// start starts the service on the test's host with fresh metrics (a restarted process's);
// its API and its /metrics, /healthz and /readyz take over the test's URL.
func (s *Service[S]) start() {
	s.T.Helper()
	s.Metrics = service.NewMetricsRegistry()
	s.host.Metrics = s.Metrics
	running, err := runner.Start(context.Background(), s.host, s.spec)
	if err != nil {
		s.T.Fatalf("servicetest: start %s: %v", s.spec.Name, err)
	}
	s.running = running
	api := running.API
	if s.wrap != nil {
		api = s.wrap(api)
	}
	// As `novatrek run` serves it: /metrics, /healthz and /readyz beside the API.
	ops := service.NewOpsMux(s.Metrics, func() bool { return true }, running.Checks...)
	ops.Handle("/", api)
	var h http.Handler = ops
	s.api.Store(&h)
}

// provideFakes starts the fakes of the Spec's Clients whose URL variable o leaves unset and
// adds their variables to o's environment (what the service reads); they stop after the
// service, at the test's cleanup.
func (s *Service[S]) provideFakes(defs []service.Definition, o options) {
	s.T.Helper()
	set, err := fakes.Provide(context.Background(), defs, func(k string) string { return o.env[k] },
		func(string) string { return s.URL }, fakes.Options{DataDir: s.fakesDir()}, s.host.Logger)
	if err != nil {
		s.T.Fatalf("servicetest: %v", err)
	}
	s.T.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), streamtest.WaitTimeout)
		defer cancel()
		if err := set.Stop(ctx); err != nil {
			s.T.Errorf("servicetest: %v", err)
		}
	})
	maps.Copy(o.env, set.Env)
	s.Fakes = set
}

// Done is closed when the running service has stopped (Stop, or one of its loops failed).
func (s *Service[S]) Done() <-chan struct{} { return s.running.Done() }

// Stop stops the service now and returns what the runner's Stop returned: nil after a clean
// stop, else the first loop failure (the test's cleanup then does not stop it again).
func (s *Service[S]) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), streamtest.WaitTimeout)
	defer cancel()
	s.stopped = true
	return s.running.Stop(ctx)
}

// Restart stops the service (the stream finishes or abandons its batch and commits, the
// relay and workers return) and starts it again on the same database and cluster, as a
// redeploy does: New runs again, State is the new state.
func (s *Service[S]) Restart() {
	s.T.Helper()
	s.RestartWith(func() {})
}

// RestartWith is Restart with an operator's step while the service is down: between runs
// after the service stopped and before it starts again, e.g. what `novatrek groups reset
// --rebuild --execute` does to a stopped group (Spec.Rebuild, stream.ClearInbox,
// stream.Rewind).
func (s *Service[S]) RestartWith(between func()) {
	s.T.Helper()
	s.stop()
	between()
	s.stopped = false
	s.start()
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

// Option configures Start (and Conformance, through Fixture.Options).
type Option func(*options)

// collect applies opts to the defaults.
func collect(opts []Option) options {
	o := options{env: map[string]string{}}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// topology is WithTopology's, else topics.yaml.
func (o options) topology(t testing.TB) *topology.Topology {
	t.Helper()
	if o.topo != nil {
		return o.topo
	}
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

// host is a runner.Host for one test without its connections (the caller adds them): the
// test's logger, the options' environment (never the machine's, so a test is hermetic),
// clock and skipped parts, fast retries and relay polling, and a test Valkey when the Spec
// uses one.
func (o options) host(t testing.TB, valkey bool) runner.Host {
	t.Helper()
	log := o.logger
	if log == nil {
		log = streamtest.Logger(t, slog.LevelWarn)
	}
	h := runner.Host{Logger: log, Topology: o.topology(t),
		Getenv: func(k string) string { return o.env[k] },
		Tune: runner.Tuning{Now: o.now, SkipWorkers: o.skipWorkers, SkipConsumer: o.skipConsumer, SkipRelay: o.skipRelay,
			MinBackoff: 5 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, RelayPoll: 50 * time.Millisecond}}
	if valkey {
		// The tests' Valkey database, with a key prefix of the test's own (parallel tests
		// never see each other's keys).
		h.Valkey = store.NewValkey(valkeytest.URL(t, ValkeyDB))
		h.Valkey.KeyPrefix = "test." + uuid.NewString() + "."
		t.Cleanup(h.Valkey.Close)
	}
	return h
}

// ValkeyDB is the Valkey database services under test use.
const ValkeyDB = 9

type options struct {
	logger       *slog.Logger
	checkOpenAPI bool
	env          map[string]string
	tokens       map[string]string
	topo         *topology.Topology
	now          func() time.Time
	skipWorkers  []string
	skipConsumer bool
	skipRelay    bool
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

// WithoutRelay leaves the outbox relay out: what the service enqueues stays in its outbox,
// for tests that count outbox rows.
func WithoutRelay() Option { return func(o *options) { o.skipRelay = true } }

// WithLogger gives the service log (default: the test's log, warnings and errors); a test
// that inspects what was logged passes its own.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithOpenAPICheck checks every API response against the Spec's OpenAPI document
// (openapitest.Wrap): a response the document does not describe fails the test.
func WithOpenAPICheck() Option { return func(o *options) { o.checkOpenAPI = true } }

// fakesDir is a fresh directory for the fakes' files, removed after the test. Its name is a
// UUID rather than t.TempDir's random decimal digits: the fakes log their paths, and a
// test's name plus ten random digits can pass the card-number screen that the PCI tests run
// over every log line (a Luhn-valid 13-digit run one time in a hundred).
func (s *Service[S]) fakesDir() string {
	s.T.Helper()
	dir := filepath.Join(os.TempDir(), "novatrek-fakes-"+uuid.NewString())
	if err := os.Mkdir(dir, 0o700); err != nil {
		s.T.Fatalf("servicetest: %v", err)
	}
	s.T.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}
