package runner

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
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
