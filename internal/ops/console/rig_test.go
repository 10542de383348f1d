package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/console"
	"github.com/novatrek/support/internal/ops/deadletter/deadlettertest"
	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
)

// testToken is the operator token of the rigs that have one: a test value, not a secret.
const testToken = "test-operator-token"

// rig is a console over a running test processor (internal/testkit/testproc) on kfake, the
// embedded registry and its own PostgreSQL database: the real pieces the console reads.
type rig struct {
	t   testing.TB
	h   *streamtest.Harness
	exp *lag.Exporter
	srv *httptest.Server
	// client keeps cookies, like a browser.
	client *http.Client
}

// newRig starts the rig; mods adjust the console's configuration, given the harness.
func newRig(t testing.TB, token string, mods ...func(*console.Config, *streamtest.Harness)) *rig {
	t.Helper()
	h := streamtest.NewHarness(t, deadlettertest.Subject())
	obs, err := lag.New(lag.Config{Client: h.Env.Client(t), Consumes: map[string][]string{h.S.Group: {h.S.Input}}})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := lag.NewExporter(lag.ExporterConfig{Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg := console.Config{KafkaOpts: []kgo.Opt{kgo.SeedBrokers(h.Env.Brokers...)}, Registry: h.Env.Registry,
		Lag: exp, Topology: topo, Pool: h.Pool, Token: token, Logger: streamtest.Logger(t, 8)}
	for _, m := range mods {
		m(&cfg, h)
	}
	r := serve(t, cfg)
	r.h = h
	return r
}

// serve serves a console of cfg for the test, with a client that keeps cookies.
func serve(t testing.TB, cfg console.Config) *rig {
	t.Helper()
	con, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(con)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil) // New never fails without options
	return &rig{t: t, exp: cfg.Lag, srv: srv, client: &http.Client{Jar: jar}}
}

// observe takes a fresh observation, as the collector's loop would.
func (r *rig) observe() {
	r.t.Helper()
	if err := r.exp.Refresh(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// get fetches path and returns the status and body.
func (r *rig) get(path string) (int, string) {
	r.t.Helper()
	resp, err := r.client.Get(r.srv.URL + path)
	if err != nil {
		r.t.Fatal(err)
	}
	return status(r.t, resp)
}

func (r *rig) post(path string, form url.Values) (int, string) {
	r.t.Helper()
	resp, err := r.client.PostForm(r.srv.URL+path, form)
	if err != nil {
		r.t.Fatal(err)
	}
	return status(r.t, resp)
}

func status(t testing.TB, resp *http.Response) (int, string) {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// mustGet fetches path and fails unless it answers 200 with every want in the page.
func (r *rig) mustGet(path string, want ...string) string {
	r.t.Helper()
	code, body := r.get(path)
	if code != http.StatusOK {
		r.t.Fatalf("GET %s: %d, want 200:\n%s", path, code, excerpt(body))
	}
	contains(r.t, "GET "+path, body, want...)
	return body
}

func contains(t testing.TB, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s: the page lacks %q:\n%s", what, w, excerpt(body))
		}
	}
}

var mainRE = regexp.MustCompile(`(?s)<main.*</main>`)

// excerpt is the page's main element, for failure messages.
func excerpt(body string) string {
	if m := mainRE.FindString(body); m != "" {
		body = m
	}
	if len(body) > 3000 {
		body = body[:3000] + "…"
	}
	return body
}

// signIn signs the rig's client in and returns the CSRF token of its session.
func (r *rig) signIn(name string) string {
	r.t.Helper()
	code, body := r.post("/signin", url.Values{"token": {testToken}, "name": {name}})
	if code != http.StatusOK { // the redirect to the overview is followed
		r.t.Fatalf("sign in: %d:\n%s", code, excerpt(body))
	}
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if m == nil {
		r.t.Fatalf("signed in, but the page has no CSRF token:\n%s", excerpt(body))
	}
	return m[1]
}
