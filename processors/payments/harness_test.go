package payments

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/dev/fakes/fraudfake"
	"github.com/novatrek/support/internal/dev/fakes/pspfake"
	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/logtest"
	"github.com/novatrek/support/internal/testkit/openapitest"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

// testToken is the bearer token of caller in the tests.
func testToken(caller string) string { return caller + "-test-token-0123456789" }

// harness is the payments API on a fresh database with fake providers, a kfake cluster and
// a registry. Logs are captured so tests can scan them.
type harness struct {
	t        testing.TB
	ctx      context.Context
	pool     *pgxpool.Pool
	env      *kafkatest.Env
	psp      *pspfake.Server
	fraud    *fraudfake.Server
	pspURL   string
	fraudURL string
	deps     service.Deps
	cfg      Config
	core     *core
	api      *api
	srv      *httptest.Server
	logs     *logtest.Buffer
	clock    *clock
	// logLevel of the captured log; default debug (every request is logged, so the PCI
	// test has lines to scan).
	logLevel slog.Level
}

// clock is a settable test clock; it follows real time plus an offset.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func testAuth(t testing.TB) *apiauth.Authenticator {
	tokens := map[string]string{}
	for _, c := range devCallers {
		tokens[c] = testToken(c)
	}
	tokens["svc-guest-profiles"] = testToken("svc-guest-profiles") // known, but granted nothing
	a, err := apiauth.New(tokens)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

type harnessOpt func(*harness)

// newHarness migrates a fresh database and serves the API (no background loops).
func newHarness(t testing.TB, opts ...harnessOpt) *harness {
	t.Helper()
	h := newHarnessNoAPI(t, opts...)
	// The API gets its own pool, as in Service.Run (the test pool has pgxpool's default size).
	apiPool, err := service.OwnPool(h.ctx, h.pool, ServiceName, h.cfg.DBMaxConns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(apiPool.Close)
	h.core, h.api, err = build(h.cfg, apiPool, h.deps, h.pspURL, h.fraudURL)
	if err != nil {
		t.Fatal(err)
	}
	h.api.register(h.deps.HTTP)
	edge, err := service.APIHandler(New(), h.deps) // as dev and run serve it
	if err != nil {
		t.Fatal(err)
	}
	h.srv = httptest.NewServer(openapitest.Wrap(t, openAPI, edge)) // every response checked against openapi.json
	t.Cleanup(h.srv.Close)
	return h
}

// newHarnessNoAPI prepares everything but the API.
func newHarnessNoAPI(t testing.TB, opts ...harnessOpt) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), logs: &logtest.Buffer{}, clock: &clock{}, logLevel: slog.LevelDebug}
	for _, o := range opts {
		o(h) // options that shape the setup (log level); they run again below for the config
	}
	h.pool = pgtest.NewDB(t)
	svc := NewWithConfig(Config{})
	if _, err := migrate.Apply(h.ctx, h.pool, Schema, svc.Migrations()...); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	h.env = kafkatest.New(t)
	h.psp, h.fraud = pspfake.New(), fraudfake.New()
	pspSrv := httptest.NewServer(h.psp.Handler())
	t.Cleanup(pspSrv.Close)
	fraudSrv := httptest.NewServer(h.fraud.Handler())
	t.Cleanup(fraudSrv.Close)
	h.pspURL, h.fraudURL = pspSrv.URL, fraudSrv.URL
	logger := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: h.logLevel}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("service log:\n%s", tail(h.logs.String(), 60))
		}
	})
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	h.deps = service.Deps{Logger: logger, Metrics: prometheus.NewRegistry(), DB: h.pool, Serde: h.env.Serde,
		Registry: h.env.Registry, Topology: topo, KafkaOpts: []kgo.Opt{kgo.SeedBrokers(h.env.Brokers...)},
		HTTP: http.NewServeMux()}
	if h.cfg, err = loadConfig(func(string) string { return "" }); err != nil { // the defaults
		t.Fatal(err)
	}
	h.cfg.Auth, h.cfg.Now, h.cfg.PSPTimeout = testAuth(t), h.clock.now, 2*time.Second
	for _, o := range opts {
		o(h)
	}
	return h
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// reply is a decoded API response.
type reply struct {
	status int
	header http.Header
	raw    []byte
	json   map[string]any
}

func (r reply) str(path ...string) string {
	var v any = r.json
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

// call sends a request as caller with an optional Idempotency-Key.
func (h *harness) call(method, path, caller, key string, body any, hdr ...string) reply {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if caller != "" {
		req.Header.Set("Authorization", "Bearer "+testToken(caller))
	}
	if key != "" {
		req.Header.Set(idempotency.Header, key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.json)
	return r
}

// deposit is a valid deposit request body.
func deposit(amount, currency, token string) map[string]any {
	return map[string]any{
		"reservation_id":       uuid.NewString(),
		"guest_id":             uuid.NewString(),
		"amount":               map[string]string{"amount": amount, "currency": currency},
		"payment_method_token": token,
	}
}

func (h *harness) mustDeposit(body map[string]any) reply {
	h.t.Helper()
	r := h.call("POST", "/v1/deposits", CallerReservations, uuid.NewString(), body)
	if r.status != http.StatusCreated {
		h.t.Fatalf("deposit = %d %s", r.status, r.raw)
	}
	return r
}

// count runs a count(*) query.
func (h *harness) count(sql string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(h.ctx, sql, args...).Scan(&n); err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// rowCounts counts the rows of every table the payment flows write, to prove "nothing
// written".
func (h *harness) rowCounts() map[string]int {
	h.t.Helper()
	out := map[string]int{}
	for _, t := range []string{"payments", "refunds", "refund_policy_evaluations", "disputes", "journal_entries",
		"journal_lines", "outbox", "idempotency_keys", "payment_methods"} {
		out[t] = h.count("SELECT count(*) FROM payments." + t)
	}
	return out
}

func (h *harness) ledgerOK() LedgerCheck {
	h.t.Helper()
	c, err := checkLedger(h.ctx, h.pool)
	if err != nil {
		h.t.Fatal(err)
	}
	if !c.OK() {
		h.t.Fatalf("ledger invariants broken: %+v", c)
	}
	return c
}

// restart is another process of the service on the same database, providers and cluster
// (the first one crashed, or runs beside it), with its clock moved by advance.
func (h *harness) restart(advance time.Duration) *harness {
	h.t.Helper()
	h2 := *h
	h2.clock = &clock{}
	h2.clock.advance(time.Duration(h.clock.offset.Load()) + advance)
	h2.cfg.Now = h2.clock.now
	h2.cfg.hooks = hooks{}
	h2.deps.HTTP = http.NewServeMux()
	h2.deps.Metrics = prometheus.NewRegistry()
	var err error
	h2.core, h2.api, err = build(h2.cfg, h.pool, h2.deps, h.pspURL, h.fraudURL)
	if err != nil {
		h.t.Fatal(err)
	}
	h2.api.register(h2.deps.HTTP)
	h2.srv = httptest.NewServer(openapitest.Wrap(h.t, openAPI, h2.deps.HTTP))
	h.t.Cleanup(h2.srv.Close)
	return &h2
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func pgExec(t testing.TB, h *harness, sql string, args ...any) {
	t.Helper()
	if _, err := h.pool.Exec(h.ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
