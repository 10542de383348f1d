package outbound

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// peer is a third party on a real listener answering from a script, one answer per
// attempt; the last answer repeats.
type peer struct {
	srv    *httptest.Server
	script []func(w http.ResponseWriter, r *http.Request)
	hits   atomic.Int32
	mu     sync.Mutex
	bodies []string
}

func newPeer(t *testing.T, script ...func(w http.ResponseWriter, r *http.Request)) *peer {
	p := &peer{script: script}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(p.hits.Add(1)) - 1
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.bodies = append(p.bodies, string(b))
		p.mu.Unlock()
		p.script[min(n, len(p.script)-1)](w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func status(code int, hdr ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, http.StatusText(code))
	}
}

// hang answers only when the attempt gives up.
func hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// client returns a client of p whose waits are recorded instead of slept.
func client(t *testing.T, p *peer, reg prometheus.Registerer, retries int) (*Client, *[]time.Duration) {
	t.Helper()
	c, err := New(Config{Service: "svc-test", Target: "psp", BaseURL: p.srv.URL + "/", Key: "sk_test_secret",
		Timeout: 200 * time.Millisecond, Retries: retries, Backoff: 100 * time.Millisecond, MaxWait: 10 * time.Second, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}
	return c, &waits
}

func send(t *testing.T, c *Client, method, body string, hdr ...string) (int, error) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.URL("/v1/charges"), r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.ReadAll(resp.Body)
	return resp.StatusCode, nil
}

func TestRetriesWhatIsSafeToRepeat(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		script    []func(http.ResponseWriter, *http.Request)
		method    string
		body      string
		hdr       []string
		wantCode  int
		wantHits  int32
		wantWaits []time.Duration // exact; nil: one jittered wait per retry, checked by bound
	}{
		{"GET after 503 with Retry-After", []func(http.ResponseWriter, *http.Request){status(503, "Retry-After", "3"), status(200)},
			"GET", "", nil, 200, 2, []time.Duration{3 * time.Second}},
		{"keyed POST after 502, body resent", []func(http.ResponseWriter, *http.Request){status(502), status(201)},
			"POST", "amount=100", []string{"Idempotency-Key", "k1"}, 201, 2, nil},
		{"POST without a key is not repeated", []func(http.ResponseWriter, *http.Request){status(503), status(201)},
			"POST", "amount=100", nil, 503, 1, []time.Duration{}},
		{"a 500 is not retried", []func(http.ResponseWriter, *http.Request){status(500), status(200)},
			"GET", "", nil, 500, 1, []time.Duration{}},
		{"a 4xx is an answer", []func(http.ResponseWriter, *http.Request){status(402), status(200)},
			"GET", "", nil, 402, 1, []time.Duration{}},
		{"429 until the retries run out", []func(http.ResponseWriter, *http.Request){status(429, "Retry-After", "1")},
			"GET", "", nil, 429, 3, []time.Duration{time.Second, time.Second}},
		{"Retry-After beyond MaxWait is returned", []func(http.ResponseWriter, *http.Request){status(503, "Retry-After", "120"), status(200)},
			"GET", "", nil, 503, 1, []time.Duration{}},
		{"an attempt that times out", []func(http.ResponseWriter, *http.Request){hang, status(200)},
			"PUT", "state=x", nil, 200, 2, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := newPeer(t, c.script...)
			cl, waits := client(t, p, nil, 2)
			code, err := send(t, cl, c.method, c.body, c.hdr...)
			if err != nil || code != c.wantCode || p.hits.Load() != c.wantHits {
				t.Fatalf("got %d, %v after %d attempts; want %d after %d", code, err, p.hits.Load(), c.wantCode, c.wantHits)
			}
			if c.wantWaits != nil && !equal(*waits, c.wantWaits) {
				t.Errorf("waits %v; want %v", *waits, c.wantWaits)
			}
			if c.wantWaits == nil {
				if len(*waits) != int(c.wantHits)-1 {
					t.Errorf("waits %v; want one per retry", *waits)
				}
				for i, w := range *waits {
					if w < 0 || w > 100*time.Millisecond<<i {
						t.Errorf("wait %d = %v; want a jitter within [0, %v]", i, w, 100*time.Millisecond<<i)
					}
				}
			}
			for i, b := range p.bodies {
				if b != c.body {
					t.Errorf("attempt %d sent body %q; want %q", i+1, b, c.body)
				}
			}
		})
	}
}

func TestTransportErrorsAreRetriedThenReturned(t *testing.T) {
	t.Parallel()
	p := newPeer(t, status(200))
	cl, waits := client(t, p, nil, 2)
	p.srv.Close() // nothing listens any more
	if _, err := send(t, cl, "GET", ""); err == nil {
		t.Fatal("no error from a closed peer")
	}
	if len(*waits) != 2 {
		t.Errorf("waits %v; want two retries", *waits)
	}
}

func TestCallerCancellationStopsRetrying(t *testing.T) {
	t.Parallel()
	p := newPeer(t, status(503))
	cl, _ := client(t, p, nil, 5)
	ctx, cancel := context.WithCancel(context.Background())
	cl.sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	req, _ := http.NewRequestWithContext(ctx, "GET", cl.URL("/x"), nil)
	if _, err := cl.Do(req); !errors.Is(err, context.Canceled) || p.hits.Load() != 1 {
		t.Errorf("Do = %v after %d attempts; want context.Canceled after 1", err, p.hits.Load())
	}
}

// TestMetricsAndObservedCircuit: every attempt is counted by outcome; five straight
// failures open the circuit gauge, which never stops a request; a success closes it.
func TestMetricsAndObservedCircuit(t *testing.T) {
	t.Parallel()
	fail := make([]func(http.ResponseWriter, *http.Request), 6)
	for i := range fail {
		fail[i] = status(500)
	}
	p := newPeer(t, append(fail, status(200))...)
	reg := prometheus.NewRegistry()
	cl, _ := client(t, p, reg, 0)
	gauge := func() float64 {
		return testutil.ToFloat64(mustGauge(t, reg).WithLabelValues("svc-test", "psp"))
	}
	for i := 1; i <= 6; i++ {
		if code, err := send(t, cl, "GET", ""); code != 500 || err != nil {
			t.Fatalf("attempt %d: %d %v; want the 500 (never short-circuited)", i, code, err)
		}
		if want := map[bool]float64{true: 1, false: 0}[i >= CircuitThreshold]; gauge() != want {
			t.Errorf("after %d failures the circuit gauge is %v; want %v", i, gauge(), want)
		}
	}
	if code, _ := send(t, cl, "GET", ""); code != 200 || gauge() != 0 {
		t.Errorf("after a success: %d, circuit %v; want 200 and 0", code, gauge())
	}
	want := "\n# HELP novatrek_outbound_requests_total Attempts of outbound HTTP calls to third parties, by calling service, target and outcome." +
		"\n# TYPE novatrek_outbound_requests_total counter" +
		"\nnovatrek_outbound_requests_total{outcome=\"ok\",service=\"svc-test\",target=\"psp\"} 1" +
		"\nnovatrek_outbound_requests_total{outcome=\"server_error\",service=\"svc-test\",target=\"psp\"} 6\n"
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "novatrek_outbound_requests_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "novatrek_outbound_request_duration_seconds"); n != 1 {
		t.Errorf("%d duration series; want 1 (svc-test, psp)", n)
	}
	if !strings.Contains(gathered(t, reg), `novatrek_outbound_request_duration_seconds_count{service="svc-test",target="psp"} 7`) {
		t.Errorf("the duration histogram did not observe the 7 attempts:\n%s", gathered(t, reg))
	}
}

func mustGauge(t *testing.T, reg *prometheus.Registry) *prometheus.GaugeVec {
	t.Helper()
	g, err := registerGauge(reg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestNewRefusesABadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Target: "psp"},
		{Target: "psp", BaseURL: "psp.example:443"},
		{Target: "psp", BaseURL: "ftp://psp.example"},
		{Target: "psp", BaseURL: "https://psp.example", Retries: -1},
	} {
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "client psp") {
			t.Errorf("New(%+v) = %v; want an error naming the client", cfg, err)
		}
	}
}

func TestRetryAfterForms(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"7": 7 * time.Second, "0": 0, now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat): 0,
	} {
		if got, ok := retryAfter(v, now); !ok || got != want {
			t.Errorf("retryAfter(%q) = %v, %v; want %v", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "soon", "-3"} {
		if _, ok := retryAfter(v, now); ok {
			t.Errorf("retryAfter(%q) parsed", v)
		}
	}
}

func equal(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// gathered is reg's /metrics page.
func gathered(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}
