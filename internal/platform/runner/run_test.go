package runner_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/logtest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/valkeytest"
)

const (
	runName    = "svc-runtest"
	probeTopic = "novatrek.test.run.probe"
	// runValkeyDB is this package's Valkey test database; the tests only ping it.
	runValkeyDB = 13
)

// runTopology is topics.yaml for the test service alone.
func runTopology(t *testing.T) *topology.Topology {
	t.Helper()
	topo, err := topology.Load([]byte(`
services:
  - {name: ` + runName + `, domain: support, ours: true, description: "The runner's test service."}
topics: []
`))
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// testEnv is a production-like environment: a kfake broker, a registry, a fresh database.
func testEnv(t *testing.T) service.RunConfig {
	t.Helper()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, probeTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	reg := srfake.New()
	regSrv := &http.Server{Handler: reg.Handler()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go regSrv.Serve(ln) //nolint:errcheck // closed at cleanup
	t.Cleanup(func() { regSrv.Close() })

	cfg := config.FromEnv()
	cfg.KafkaBrokers = cluster.ListenAddrs()
	cfg.SchemaRegistryURL = "http://" + ln.Addr().String()
	cfg.DatabaseURL = pgtest.URL(t)
	cfg.ValkeyURL = valkeytest.URL(t, runValkeyDB)
	cfg.HTTPAddr = freeAddr(t)
	cfg.DataDir = t.TempDir()
	return service.RunConfig{Config: cfg, Topology: runTopology(t), Logger: slog.New(slog.DiscardHandler),
		Getenv: func(string) string { return "" }}
}

func migrationSet(name string, files map[string]string) migrate.Set {
	fsys := fstest.MapFS{}
	for n, body := range files {
		fsys[n] = &fstest.MapFile{Data: []byte(body)}
	}
	return migrate.Set{Name: name, FS: fsys}
}

// runtest is the test service's state: its Env, and what its worker does with it.
type runtest struct {
	env  service.Env
	work func(ctx context.Context, env service.Env) error
}

// runSpec is a service owning schema (its own set, when given) whose one worker calls work
// with the Env the runner built, and which serves GET /hello to anyone.
func runSpec(schema string, sets []migrate.Set, work func(ctx context.Context, env service.Env) error) *service.Spec[*runtest] {
	return &service.Spec[*runtest]{
		Name:   runName,
		Store:  service.Store{Schema: schema, Migrations: sets},
		Valkey: true,
		New: func(_ context.Context, env service.Env) (*runtest, error) {
			return &runtest{env: env, work: work}, nil
		},
		API: service.API[*runtest]{Routes: []service.Route[*runtest]{{Pattern: "GET /hello", Access: service.Public,
			Handle: func(*runtest, http.ResponseWriter, *http.Request) error { return nil }}}},
		Workers: []service.Worker[*runtest]{{Name: "work", Run: func(r *runtest, ctx context.Context) error { return r.work(ctx, r.env) }}},
	}
}

func TestRunServesAndStopsOneService(t *testing.T) {
	t.Parallel()
	rc := testEnv(t)
	started := make(chan service.Env, 1)
	spec := runSpec("runtest", []migrate.Set{migrationSet("own", map[string]string{"0001_things.sql": "CREATE TABLE things (id int PRIMARY KEY)"})},
		func(ctx context.Context, env service.Env) error {
			// The Env is usable: the schema is migrated, Kafka answers, metrics register.
			if _, err := env.DB.Exec(ctx, "INSERT INTO runtest.things VALUES (1)"); err != nil {
				return err
			}
			cl, err := kgo.NewClient(env.KafkaOpts...)
			if err != nil {
				return err
			}
			defer cl.Close()
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: probeTopic, Value: []byte("x")}).FirstErr(); err != nil {
				return err
			}
			c := prometheus.NewCounter(prometheus.CounterOpts{Name: "runtest_handled_total", Help: "test"})
			env.Metrics.MustRegister(c)
			c.Inc()
			started <- env
			<-ctx.Done()
			return nil
		})
	spec.API.Routes[0].Handle = func(_ *runtest, w http.ResponseWriter, _ *http.Request) error {
		_, err := io.WriteString(w, "hi")
		return err
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx, spec, rc) }()
	var env service.Env
	select {
	case env = <-started:
	case err := <-done:
		t.Fatalf("Run returned before the service started: %v", err)
	}
	if env.Serde == nil || env.Topology == nil || env.Valkey == nil || env.DB == nil {
		t.Errorf("Env missing a dependency: %+v", env)
	}

	base := "http://" + rc.Config.HTTPAddr
	for path, want := range map[string]string{
		"/hello":   "hi",
		"/healthz": "ok",
		"/readyz":  "ready",
		"/metrics": `runtest_handled_total{service="` + runName + `"} 1`,
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d, body contains %q: %v", path, resp.StatusCode, want, strings.Contains(string(body), want))
		}
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v; want nil", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("HTTP server still answers after Run returned")
	}
}

func TestRunSkipsMigrationsWhenAsked(t *testing.T) {
	t.Parallel()
	rc := testEnv(t)
	rc.SkipMigrations = true
	checked := make(chan error, 1)
	spec := runSpec("skipped", []migrate.Set{migrationSet("own", map[string]string{"0001_things.sql": "CREATE TABLE things (id int)"})},
		func(ctx context.Context, env service.Env) error {
			var missing bool
			err := env.DB.QueryRow(ctx, "SELECT to_regclass('skipped.things') IS NULL").Scan(&missing)
			if err == nil && !missing {
				err = errors.New("skipped.things exists although migrations were skipped")
			}
			checked <- err
			<-ctx.Done()
			return nil
		})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx, spec, rc) }()
	select {
	case err := <-checked:
		if err != nil {
			t.Error(err)
		}
	case err := <-done:
		t.Fatalf("Run returned before the service started: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v; want nil", err)
	}
}

// TestRunReturnsTheServiceError: a service that fails ends Run with its error although ctx
// never ends; the shutdown path waits on the service's Done, not on ctx alone.
func TestRunReturnsTheServiceError(t *testing.T) {
	t.Parallel()
	rc := testEnv(t)
	boom := errors.New("boom")
	spec := runSpec("", nil, func(context.Context, service.Env) error { return boom })
	err := runner.Run(context.Background(), spec, rc)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), runName) {
		t.Fatalf("Run = %v; want the service's error naming the service", err)
	}
}

// TestRunOutlivesALoopThatEnds: a worker that returns nil at once ends only itself (the
// legacy Run that returned at once became such a worker, and the old port of these tests
// then waited forever on a ctx nobody cancelled). Run keeps serving, warns naming the loop,
// and stops cleanly when ctx ends.
func TestRunOutlivesALoopThatEnds(t *testing.T) {
	t.Parallel()
	rc := testEnv(t)
	var logs logtest.Buffer
	rc.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- runner.Run(ctx, runSpec("", nil, func(context.Context, service.Env) error { return nil }), rc)
	}()
	warned := func() bool {
		l := logs.String()
		return strings.Contains(l, `msg="a loop of the service returned before shutdown; the service runs on without it"`) &&
			strings.Contains(l, "loop=work")
	}
	for deadline := time.Now().Add(30 * time.Second); !warned(); {
		select {
		case err := <-done:
			t.Fatalf("Run returned when its one worker ended: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no warning about the ended worker; log:\n%s", logs.String())
		}
	}
	resp, err := http.Get("http://" + rc.Config.HTTPAddr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz = %d after the worker ended; want 200: the service still serves", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v; want nil", err)
	}
}

func TestRunRefusesMalformedConfig(t *testing.T) {
	t.Parallel()
	cfg := config.FromEnv()
	cfg.DatabaseURL = "mysql://nope"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := runner.Run(ctx, runSpec("", nil, nil), service.RunConfig{Config: cfg, Topology: runTopology(t)})
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Run with a bad DATABASE_URL = %v; want one line naming DATABASE_URL", err)
	}
}
