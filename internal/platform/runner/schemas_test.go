package runner

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/logtest"
	"github.com/novatrek/support/schemas"
)

// TestCacheSchemasWaitsForTheRegistry: a process starting while the registry is down
// waits (one warning, one line when it answers) instead of failing or going on without
// its schemas; once it has them, encoding its produced topic and decoding what is
// registered under its consumed topic need no registry at all.
func TestCacheSchemasWaitsForTheRegistry(t *testing.T) {
	t.Parallel()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	const produced, consumed = "novatrek.support.review.published", "novatrek.booking.reservation.status-changed"
	schemaOf := func(topic string) schemas.Event {
		tp, _ := topo.Topic(topic)
		ev, ok := schemas.New(tp.ValueSchema)
		if !ok {
			t.Fatalf("no Go type for %s's schema %q", topic, tp.ValueSchema)
		}
		return ev
	}
	// The registry to come, with both schemas registered, not yet listening at addr.
	reg := srfake.New()
	seed := httptest.NewServer(reg.Handler())
	seeder, err := sr.NewClient(sr.URLs(seed.URL))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for _, topic := range []string{produced, consumed} {
		text, err := serde.SchemaText(schemaOf(topic).Schema())
		if err != nil {
			t.Fatal(err)
		}
		if ids[topic], err = seeder.RegisterSchema(context.Background(), serde.Subject(topic), sr.Schema{Schema: text, Type: sr.TypeAvro}, -1, -1); err != nil {
			t.Fatal(err)
		}
	}
	seed.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing answers there: the registry is down

	client, err := sr.NewClient(sr.URLs("http://" + addr))
	if err != nil {
		t.Fatal(err)
	}
	sd := serde.New(client)
	var logs logtest.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- CacheSchemas(ctx, sd, client, topo, []string{consumed}, []string{produced}, slog.New(slog.NewTextHandler(&logs, nil)))
	}()
	// The registry comes up once CacheSchemas has met it down (said so in the log).
	for !strings.Contains(logs.String(), "schema registry unreachable at start-up") {
		select {
		case err := <-done:
			t.Fatalf("CacheSchemas returned %v with the registry down", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: reg.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // closed below
	if err := <-done; err != nil {
		t.Fatalf("CacheSchemas: %v", err)
	}
	srv.Close() // down again: what follows must come from the cache

	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 1 || !strings.Contains(out, "schema registry answers; schema ids cached") {
		t.Errorf("want one warning and one line when the registry answered, logged:\n%s", out)
	}
	if id, err := sd.ID(context.Background(), produced, schemaOf(produced).Schema()); err != nil || id != ids[produced] {
		t.Errorf("schema id for %s after the cache, registry down: %d, %v; the registry gave %d", produced, id, err, ids[produced])
	}
	if _, err := sd.WriterSchema(context.Background(), ids[consumed]); err != nil {
		t.Errorf("writer schema %d of %s after the cache, registry down: %v", ids[consumed], consumed, err)
	}
}

// TestCacheSchemasStopsOnConfigurationErrors: an answer that says the configuration is wrong
// (401, 403, a 404 that is not a registry's, a produced topic's schema not registered) still
// there after the grace (lowered here to keep the test fast) stops start-up with one line
// naming the registry and the status, and never a credential.
func TestCacheSchemasStopsOnConfigurationErrors(t *testing.T) {
	t.Parallel()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	const produced, consumed = "novatrek.support.review.published", "novatrek.booking.reservation.status-changed"
	answer := func(status int, body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
			w.WriteHeader(status)
			io.WriteString(w, body) //nolint:errcheck // the client reads what it gets
		})
	}
	for _, tc := range []struct {
		name     string
		registry http.Handler
		want     []string
	}{
		{"401", answer(http.StatusUnauthorized, `{"error_code":40101,"message":"Unauthorized"}`), []string{"401 Unauthorized", "credentials"}},
		{"403", answer(http.StatusForbidden, `{"error_code":40301,"message":"User cannot access the resource."}`), []string{"403 Forbidden", "credentials"}},
		{"404 not a registry", answer(http.StatusNotFound, `<html>no such page</html>`), []string{"404 Not Found", "no schema registry answers"}},
		{"produced schema not registered", srfake.New().Handler(), []string{"no schema for produced topic " + produced}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.registry)
			defer srv.Close()
			withSecret := strings.Replace(srv.URL, "http://", "http://ops:hunter2@", 1)
			client, err := sr.NewClient(sr.URLs(withSecret))
			if err != nil {
				t.Fatal(err)
			}
			var logs logtest.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err = cacheSchemas(ctx, serde.New(client), client, topo, []string{consumed}, []string{produced}, slog.New(slog.NewTextHandler(&logs, nil)), 300*time.Millisecond)
			if !errors.Is(err, ErrRegistryConfig) || ctx.Err() != nil {
				t.Fatalf("CacheSchemas = %v (context: %v), want ErrRegistryConfig after the grace", err, ctx.Err())
			}
			if !strings.Contains(logs.String(), "configuration error") {
				t.Errorf("no warning while retrying the configuration error:\n%s", logs.String())
			}
			line := err.Error()
			for _, want := range append(tc.want, srv.URL) {
				if !strings.Contains(line, want) {
					t.Errorf("error %q does not say %q", line, want)
				}
			}
			if strings.Contains(line, "\n") || strings.Contains(line+logs.String(), "hunter2") {
				t.Errorf("want one line and no password, got %q, logged %q", line, logs.String())
			}
			if strings.Contains(logs.String(), "unreachable") {
				t.Errorf("a configuration error was logged as an outage:\n%s", logs.String())
			}
		})
	}
}

// TestCacheSchemasRetriesAConfigurationErrorThatHeals: a 401 (a credential being rotated)
// that turns into the registry's answer within the grace starts fine, after a warning that
// names the status.
func TestCacheSchemasRetriesAConfigurationErrorThatHeals(t *testing.T) {
	t.Parallel()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	const consumed = "novatrek.booking.reservation.status-changed"
	reg := srfake.New()
	client, healed := registryAnswering(t, reg, http.StatusUnauthorized, `{"error_code":40101,"message":"Unauthorized"}`)
	logs, done := cacheInBackground(t, client, topo, []string{consumed}, nil)
	waitForLog(t, logs, done, "configuration error", "at the first 401, want it to retry")
	healed.Store(true)
	if err := <-done; err != nil {
		t.Fatalf("CacheSchemas after the 401 healed: %v", err)
	}
	if !strings.Contains(logs.String(), "401 Unauthorized") {
		t.Errorf("the warning does not name the status:\n%s", logs.String())
	}
}

// TestCacheSchemasWaitsThrough5xx: a registry answering 503 is down, not misconfigured:
// CacheSchemas waits (one warning) and returns once it answers.
func TestCacheSchemasWaitsThrough5xx(t *testing.T) {
	t.Parallel()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	const produced = "novatrek.support.review.published"
	tp, _ := topo.Topic(produced)
	ev, _ := schemas.New(tp.ValueSchema)
	text, err := serde.SchemaText(ev.Schema())
	if err != nil {
		t.Fatal(err)
	}
	reg := srfake.New()
	seed := httptest.NewServer(reg.Handler())
	seeder, err := sr.NewClient(sr.URLs(seed.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seeder.RegisterSchema(context.Background(), serde.Subject(produced), sr.Schema{Schema: text, Type: sr.TypeAvro}, -1, -1); err != nil {
		t.Fatal(err)
	}
	seed.Close()
	client, up := registryAnswering(t, reg, http.StatusServiceUnavailable, `{"error_code":50003,"message":"Error while forwarding the request to the leader"}`)
	logs, done := cacheInBackground(t, client, topo, nil, []string{produced})
	waitForLog(t, logs, done, "schema registry unreachable at start-up", "while the registry answered 503")
	up.Store(true)
	if err := <-done; err != nil {
		t.Fatalf("CacheSchemas after the registry came back: %v", err)
	}
	if !strings.Contains(logs.String(), "Error while forwarding the request to the leader") {
		t.Errorf("the warning does not say what the registry answered:\n%s", logs.String())
	}
}

// registryAnswering serves reg behind a server that answers status with body (the
// registry's error JSON) until the returned flag is set, and a client of it.
func registryAnswering(t *testing.T, reg *srfake.Registry, status int, body string) (*sr.Client, *atomic.Bool) {
	t.Helper()
	var healed atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healed.Load() {
			w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
			w.WriteHeader(status)
			io.WriteString(w, body) //nolint:errcheck // best effort
			return
		}
		reg.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	client, err := sr.NewClient(sr.URLs(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return client, &healed
}

// cacheInBackground runs CacheSchemas for consumes and produces until the test ends, its log
// in the returned buffer and its result on the channel.
func cacheInBackground(t *testing.T, client *sr.Client, topo *topology.Topology, consumes, produces []string) (*logtest.Buffer, <-chan error) {
	t.Helper()
	logs := new(logtest.Buffer)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() {
		done <- CacheSchemas(ctx, serde.New(client), client, topo, consumes, produces, slog.New(slog.NewTextHandler(logs, nil)))
	}()
	return logs, done
}

// waitForLog waits until the log holds want, failing (saying while what) if CacheSchemas
// returns first.
func waitForLog(t *testing.T, logs *logtest.Buffer, done <-chan error, want, while string) {
	t.Helper()
	for !strings.Contains(logs.String(), want) {
		select {
		case err := <-done:
			t.Fatalf("CacheSchemas returned %v %s", err, while)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
