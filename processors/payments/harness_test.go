package payments

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/dev/fakes/fraudfake"
	"github.com/novatrek/support/internal/dev/fakes/pspfake"
	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/logtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// testToken is the bearer token of caller in the tests.
func testToken(caller string) string { return servicetest.Token(caller) }

// harness is the service started from its Spec (servicetest: a fresh migrated database, a
// kfake cluster and registry, the runner's wiring, the fake PSP and fraud service
// fakes.Provide starts), by default API only: no consumer, no outbox relay (the tests count
// outbox rows), no workers. Every response is
// checked against openapi.json. Logs are captured so tests can scan them.
type harness struct {
	t     testing.TB
	ctx   context.Context
	pool  *pgxpool.Pool
	env   *kafkatest.Env
	psp   *pspfake.Server
	fraud *fraudfake.Server
	svc   *servicetest.Service[*app]
	core  *core
	srv   struct{ URL string }
	logs  *logtest.Buffer
	clock *clock
	// vars are the service's environment beyond the fakes' (PAYMENTS_*), set by options.
	vars map[string]string
	// hooks are installed on the core at start (the first start only: a restarted process
	// has none).
	hooks hooks
	// running runs the consumer and the workers too (the whole service).
	running bool
	// logLevel of the captured log; default debug (every request is logged, so the PCI
	// test has lines to scan).
	logLevel slog.Level
}

// clock is a settable test clock; it follows real time plus an offset.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// testTokens are the tokens of the Spec's callers and of a known caller granted nothing.
func testTokens() map[string]string {
	tokens := map[string]string{"svc-guest-profiles": testToken("svc-guest-profiles")}
	for _, r := range Spec.Describe().Routes {
		for _, c := range r.Access.Callers {
			tokens[c] = testToken(c)
		}
	}
	return tokens
}

type harnessOpt func(*harness)

// withEnv sets a variable the service reads.
func withEnv(k, v string) harnessOpt { return func(h *harness) { h.vars[k] = v } }

// newHarness starts the service from its Spec.
func newHarness(t testing.TB, opts ...harnessOpt) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), logs: &logtest.Buffer{}, clock: &clock{}, logLevel: slog.LevelDebug,
		vars: map[string]string{"PAYMENTS_PSP_TIMEOUT": "2s"}}
	for _, o := range opts {
		o(h)
	}
	logger := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: h.logLevel}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("service log:\n%s", tail(h.logs.String(), 60))
		}
	})
	var kv []string
	for k, v := range h.vars {
		kv = append(kv, k, v)
	}
	o := []servicetest.Option{servicetest.WithEnv(kv...), servicetest.WithTokens(testTokens()),
		servicetest.WithLogger(logger), servicetest.WithClock(h.clock.now), servicetest.WithOpenAPICheck()}
	if !h.running {
		o = append(o, servicetest.WithoutConsumer(), servicetest.WithoutRelay(), servicetest.WithoutWorkers("refund worker", "recovery", "reconciliation"))
	}
	h.svc = servicetest.Start(t, Spec, o...)
	h.pool, h.env, h.srv.URL = h.svc.DB, h.svc.Kafka, h.svc.URL
	h.psp, h.fraud = h.svc.Fakes.PSP(), h.svc.Fakes.Fraud()
	h.core = h.svc.State.core
	h.core.hooks = h.hooks
	return h
}

// restart is the service's process restarted on the same database, providers and cluster
// (the first one crashed: a request it froze never finishes), its clock moved by advance.
func (h *harness) restart(advance time.Duration) *harness {
	h.t.Helper()
	h.clock.advance(advance)
	h.svc.Restart()
	h.core = h.svc.State.core
	return h
}

// instance runs another process of the whole service (runner.Run, as `novatrek run`) on
// h's database, providers and cluster with its own address, with kv overriding h's
// variables, until the returned stop is called or the test ends. Stop fails the test if
// Run returned an error.
func (h *harness) instance(kv ...string) (stop func()) {
	t := h.t
	t.Helper()
	vars := map[string]string{apiauth.EnvTokens: CallerReservations + "=" + testToken(CallerReservations),
		"PAYMENTS_REFUND_POLL": "100ms"}
	maps.Copy(vars, h.vars)
	maps.Copy(vars, h.svc.Fakes.Env)
	for i := 0; i+1 < len(kv); i += 2 {
		vars[kv[i]] = kv[i+1]
	}
	// Run's serde does not auto-register (the dev stack registers schemas at start).
	for topic, ev := range producedSchemas {
		if _, err := h.env.Serde.ID(h.ctx, topic, ev.Schema()); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.FromEnv()
	cfg.KafkaBrokers, cfg.SchemaRegistryURL = h.env.Brokers, h.env.RegistryURL
	cfg.DatabaseURL = h.pool.Config().ConnString()
	cfg.HTTPAddr, cfg.DataDir = freeAddr(t), t.TempDir()
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	go func() {
		done <- runner.Run(ctx, Spec, service.RunConfig{Config: cfg, Getenv: func(k string) string { return vars[k] },
			Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("instance on %s: Run = %v", cfg.HTTPAddr, err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
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

// producedSchemas are the value schemas of the topics the service produces to.
var producedSchemas = map[string]schemas.Event{
	TopicPaymentProcessed: &schemas.PaymentProcessed{}, TopicPaymentRefunded: &schemas.PaymentRefunded{},
	TopicDisputeOpened: &schemas.PaymentDisputeOpened{}, TopicDisputeUpdated: &schemas.PaymentDisputeUpdated{},
}
