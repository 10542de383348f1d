package devstack

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

// testService is a small real service declared as a Spec: it owns a schema with one table
// and Valkey, serves one public route and its OpenAPI document, and its worker writes a row,
// hands over the Env it got (started) and runs until the stack stops it (stopped).
type testService struct {
	name    string
	started chan service.Env
	stopped chan struct{}
	fail    error // the worker returns it at once instead of running
	env     service.Env
}

// spec declares s. Its name consumes nothing in topics.yaml (quietService), so the Spec
// needs no subscriptions.
func (s *testService) spec() service.Definition {
	return &service.Spec[*testService]{
		Name:   s.name,
		Valkey: true,
		Store: service.Store{Schema: "devstacktest", Migrations: []migrate.Set{{Name: "devstacktest", FS: fstest.MapFS{
			"0001_things.sql": {Data: []byte("CREATE TABLE things (id int PRIMARY KEY)")},
		}}}},
		New: func(_ context.Context, env service.Env) (*testService, error) { s.env = env; return s, nil },
		API: service.API[*testService]{OpenAPI: []byte(`{"openapi":"3.1.0"}`), Routes: []service.Route[*testService]{
			{Pattern: "GET /hello", Access: service.Public, Handle: (*testService).hello},
		}},
		Workers: []service.Worker[*testService]{{Name: "writer", Run: (*testService).run}},
	}
}

func (s *testService) hello(w http.ResponseWriter, _ *http.Request) error {
	_, err := io.WriteString(w, "hello from "+s.name)
	return err
}

func (s *testService) run(ctx context.Context) error {
	if s.fail != nil {
		return s.fail
	}
	defer close(s.stopped)
	if _, err := s.env.DB.Exec(ctx, "INSERT INTO devstacktest.things VALUES (1)"); err != nil {
		return err
	}
	s.started <- s.env
	<-ctx.Done()
	return nil
}

// ourService is one of our services in topics.yaml that consumes nothing, so a test Spec
// may take its name without subscribing to anything.
func ourService(t *testing.T) string {
	t.Helper()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range topo.Services {
		if s.Ours && len(topo.ConsumedBy(s.Name)) == 0 {
			return s.Name
		}
	}
	t.Fatal("topics.yaml has no service of ours that consumes nothing; the devstack tests need one")
	return ""
}

func TestStackRunsServicesWithMigratedStores(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, svc := startWithTestService(t, false)
	d := <-svc.started

	// The Env points at the stack: Kafka answers, the registry holds the schemas.
	cl, err := kgo.NewClient(d.KafkaOpts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil {
		t.Errorf("kafka from the service's options: %v", err)
	}
	if _, err := d.Serde.WriterSchema(ctx, 1); err != nil {
		t.Errorf("registry from the service's Serde: the stack's first schema: %v", err)
	}
	if vk, err := d.Valkey.Client(); err != nil || vk.Do(ctx, vk.B().Ping().Build()).Error() != nil {
		t.Errorf("valkey from the service's Env: %v", err)
	}

	resp, err := http.Get("http://" + s.HTTPAddr() + "/" + svc.name + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "hello from "+svc.name {
		t.Errorf("service route = %d %q; want it served under /%s/", resp.StatusCode, body, svc.name)
	}

	// The root /openapi.json lists where each service's API description is.
	resp, err = http.Get("http://" + s.HTTPAddr() + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"urls":[{"name":"` + svc.name + `","url":"/` + svc.name + `/openapi.json"}]}`
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != want {
		t.Errorf("GET /openapi.json = %d %s; want 200 %s", resp.StatusCode, body, want)
	}

	// The root answers what it does not serve as problems, like every service's API.
	for _, c := range []struct{ method, path, allow string }{
		{http.MethodGet, "/no-such-thing", ""},
		{http.MethodPost, "/openapi.json", "GET, HEAD"},
	} {
		req, _ := http.NewRequest(c.method, "http://"+s.HTTPAddr()+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusNotFound
		if c.allow != "" {
			want = http.StatusMethodNotAllowed
		}
		if resp.StatusCode != want || resp.Header.Get("Content-Type") != "application/problem+json" || resp.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s = %d %q Allow %q; want %d application/problem+json Allow %q",
				c.method, c.path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Allow"), want, c.allow)
		}
	}

	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-svc.stopped:
	default:
		t.Error("Close returned before the service stopped")
	}
}

func TestRunStopsWhenAServiceFails(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	cfg := testConfig(t, t.TempDir())
	cfg.DatabaseURL = pgtest.URLToCreate(t)
	cfg.Services = []service.Definition{(&testService{name: ourService(t), fail: boom}).spec()}
	err := Run(t.Context(), cfg)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), ourService(t)) {
		t.Fatalf("Run = %v; want the service's error naming it", err)
	}
}

// TestNoServicesMigratesButStartsNone: with NoServices (novatrek dev --no-services) the
// stores are migrated but no service runs, so its group has no live member and
// `groups reset --execute` can move its offsets on the dev broker.
func TestNoServicesMigratesButStartsNone(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, svc := startWithTestService(t, true)
	if _, err := s.pool.Exec(ctx, "SELECT count(*) FROM devstacktest.things"); err != nil {
		t.Errorf("the service's store is not migrated: %v", err)
	}
	resp, err := http.Get("http://" + s.HTTPAddr() + "/" + svc.name + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /%s/hello = %d; want 404: the service's API is not served", svc.name, resp.StatusCode)
	}
	// Close waits for every service it started; none may have run.
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-svc.started:
		t.Error("the service ran although NoServices is set")
	default:
	}
}

// startWithTestService starts a stack on its own database with one testService, started
// unless noServices.
func startWithTestService(t *testing.T, noServices bool) (*Stack, *testService) {
	t.Helper()
	svc := &testService{name: ourService(t), started: make(chan service.Env, 1), stopped: make(chan struct{})}
	cfg := testConfig(t, t.TempDir())
	cfg.DatabaseURL = pgtest.URLToCreate(t)
	cfg.Services = []service.Definition{svc.spec()}
	cfg.NoServices = noServices
	s, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s, svc
}
