package service_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

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

func oneOfOurServices(t *testing.T) string {
	t.Helper()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	return topo.ConsumerGroups()[0]
}

// testEnv is a production-like environment: a kfake broker, a registry, a fresh database.
func testEnv(t *testing.T) config.Config {
	t.Helper()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "novatrek.test.run.probe"))
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
	cfg.HTTPAddr = freeAddr(t)
	cfg.DataDir = t.TempDir()
	return cfg
}

func TestRunServesAndStopsOneService(t *testing.T) {
	t.Parallel()
	cfg := testEnv(t)
	name := oneOfOurServices(t)

	started := make(chan service.Deps, 1)
	svc := &fakeService{name: name, schema: "runtest",
		sets: []migrate.Set{migrationSet("own", map[string]string{"0001_things.sql": "CREATE TABLE things (id int PRIMARY KEY)"})},
		run: func(ctx context.Context, d service.Deps) error {
			// The deps are usable: the schema is migrated, Kafka answers, metrics register.
			if _, err := d.DB.Exec(ctx, "INSERT INTO runtest.things VALUES (1)"); err != nil {
				return err
			}
			cl, err := kgo.NewClient(d.KafkaOpts...)
			if err != nil {
				return err
			}
			defer cl.Close()
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "novatrek.test.run.probe", Value: []byte("x")}).FirstErr(); err != nil {
				return err
			}
			c := prometheus.NewCounter(prometheus.CounterOpts{Name: "runtest_handled_total", Help: "test"})
			d.Metrics.MustRegister(c)
			c.Inc()
			d.HTTP.HandleFunc("GET /hello", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hi") })
			started <- d
			<-ctx.Done()
			return nil
		},
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- service.Run(ctx, svc, service.RunConfig{Config: cfg, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	}()
	var deps service.Deps
	select {
	case deps = <-started:
	case err := <-done:
		t.Fatalf("Run returned before the service started: %v", err)
	}
	if deps.Registry == nil || deps.Serde == nil || deps.Topology == nil || deps.Valkey == nil {
		t.Errorf("deps missing a dependency: %+v", deps)
	}

	base := "http://" + cfg.HTTPAddr
	for path, want := range map[string]string{
		"/hello":   "hi",
		"/healthz": "ok",
		"/readyz":  "ready",
		"/metrics": `runtest_handled_total{service="` + name + `"} 1`,
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
	cfg := testEnv(t)
	svc := &fakeService{name: oneOfOurServices(t), schema: "skipped",
		sets: []migrate.Set{migrationSet("own", map[string]string{"0001_things.sql": "CREATE TABLE things (id int)"})},
		run: func(ctx context.Context, d service.Deps) error {
			var missing bool
			if err := d.DB.QueryRow(ctx, "SELECT to_regclass('skipped.things') IS NULL").Scan(&missing); err != nil {
				return err
			}
			if !missing {
				return errors.New("skipped.things exists although migrations were skipped")
			}
			return nil
		},
	}
	if err := service.Run(context.Background(), svc, service.RunConfig{Config: cfg, SkipMigrations: true, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
}

func TestRunReturnsTheServiceError(t *testing.T) {
	t.Parallel()
	cfg := testEnv(t)
	boom := errors.New("boom")
	svc := &fakeService{name: oneOfOurServices(t), run: func(context.Context, service.Deps) error { return boom }}
	err := service.Run(context.Background(), svc, service.RunConfig{Config: cfg, Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), oneOfOurServices(t)) {
		t.Fatalf("Run = %v; want the service's error naming the service", err)
	}
}

func TestRunRefusesMalformedConfig(t *testing.T) {
	t.Parallel()
	cfg := config.FromEnv()
	cfg.DatabaseURL = "mysql://nope"
	svc := &fakeService{name: oneOfOurServices(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := service.Run(ctx, svc, service.RunConfig{Config: cfg})
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Run with a bad DATABASE_URL = %v; want one line naming DATABASE_URL", err)
	}
}
