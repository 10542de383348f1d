package httpedge_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/internal/testkit/logtest"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

const (
	tokenA = "svc-a-test-token-0123456789"
	tokenB = "svc-b-test-token-0123456789"
)

var bearerA, bearerB = "Bearer " + tokenA, "Bearer " + tokenB

// api is a small service mounted with the per-route chain behind the edge, on a real
// listener, with a real idempotency keeper (PostgreSQL).
type api struct {
	*edge
	auth  *apiauth.Authenticator
	runs  atomic.Int32 // handler runs of the keyed routes
	fails map[string]error
}

func newAPI(t *testing.T, keeper bool) *api {
	t.Helper()
	a := &api{edge: &edge{t: t, reg: prometheus.NewRegistry(), logs: &logtest.Buffer{}}}
	auth, err := apiauth.New(map[string]string{"svc-a": tokenA, "svc-b": tokenB})
	if err != nil {
		t.Fatal(err)
	}
	a.auth = auth
	log := slog.New(slog.NewTextHandler(a.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := httpedge.MountConfig{Service: "svc-test", Auth: auth, Metrics: a.reg, Logger: log}
	if keeper {
		cfg.Keeper = newKeeper(t)
	}
	mux := http.NewServeMux()
	write := func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Name string `json:"name"`
		}
		if err := httpedge.DecodeJSON(r, &in); err != nil {
			return err
		}
		a.runs.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"name":%q,"run":%d}`, in.Name, a.runs.Load())
		return nil
	}
	routes := []httpedge.Route{
		{Pattern: "GET /v1/things/{id}", Perm: "things:read", Callers: []string{"svc-a"},
			Handler: httpedge.Handler(func(w http.ResponseWriter, r *http.Request) error {
				if err := a.fails[r.PathValue("id")]; err != nil {
					return err
				}
				w.Header().Set("Content-Type", "application/json")
				_, err := io.WriteString(w, `{"id":"`+r.PathValue("id")+`"}`)
				return err
			}, log)},
		{Pattern: "POST /v1/things", Perm: "things:write", Callers: []string{"svc-a", "svc-b"}, Key: httpedge.KeyRequired,
			Handler: httpedge.Handler(write, log)},
		{Pattern: "PUT /v1/things/{id}", Perm: "things:write", Callers: []string{"svc-a"}, Key: httpedge.KeyOptional,
			Handler: httpedge.Handler(write, log)},
		{Pattern: "POST /hooks/provider", Public: true, Handler: httpedge.Handler(write, log)},
	}
	if !keeper {
		routes = routes[:1]
	}
	if err := httpedge.Mount(mux, cfg, routes...); err != nil {
		t.Fatal(err)
	}
	ed, err := httpedge.New(httpedge.Config{Logger: log, Metrics: a.reg, MaxBody: 1024})
	if err != nil {
		t.Fatal(err)
	}
	a.srv = httptest.NewServer(ed.Wrap(mux))
	t.Cleanup(a.srv.Close)
	return a
}

func newKeeper(t *testing.T) *idempotency.Keeper {
	t.Helper()
	pool := pgtest.NewDB(t)
	if _, err := migrate.Apply(context.Background(), pool, "svc", idempotency.Migrations()); err != nil {
		t.Fatal(err)
	}
	k, err := idempotency.New(idempotency.Config{Pool: pool, Schema: "svc"})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// todays answers a request the way both services chained apiauth until now:
// Authenticator.Middleware, then Policy.Require.
func todays(auth *apiauth.Authenticator, perm string, callers []string, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	auth.Middleware(apiauth.Policy{perm: callers}.Require(perm, ok)).ServeHTTP(rec, r)
	return rec
}

// TestAuthAndPolicyAnswerTodaysBodies: 401 and 403 are byte for byte what the services
// answered before the chain moved into the edge; the allowed caller and a public route get
// through.
func TestAuthAndPolicyAnswerTodaysBodies(t *testing.T) {
	t.Parallel()
	a := newAPI(t, false)
	for _, c := range []struct {
		name, auth string
		status     int
		typ        string
	}{
		{"no token", "", http.StatusUnauthorized, problem.TypeUnauthenticated},
		{"unknown token", "Bearer not-a-known-token-0123456789", http.StatusUnauthorized, problem.TypeUnauthenticated},
		{"not bearer", "Basic " + tokenA, http.StatusUnauthorized, problem.TypeUnauthenticated},
		{"known caller without the permission", bearerB, http.StatusForbidden, problem.TypeForbidden},
	} {
		got := a.do("GET", "/v1/things/7", nil, "Authorization", c.auth)
		got.isProblem(t, c.name, c.status, c.typ)
		req := httptest.NewRequest("GET", "/v1/things/7", nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		want := todays(a.auth, "things:read", []string{"svc-a"}, req)
		if want.Code != got.status || !bytes.Equal(want.Body.Bytes(), got.body) ||
			want.Header().Get("WWW-Authenticate") != got.header.Get("WWW-Authenticate") {
			t.Errorf("%s: %d %s (WWW-Authenticate %q); today %d %s (%q)", c.name, got.status, got.body,
				got.header.Get("WWW-Authenticate"), want.Code, want.Body, want.Header().Get("WWW-Authenticate"))
		}
	}
	if got := a.do("GET", "/v1/things/7", nil, "Authorization", bearerB); got.doc["permission"] != "things:read" {
		t.Errorf("403 does not name the permission: %s", got.body)
	}
	if got := a.do("GET", "/v1/things/7", nil, "Authorization", bearerA); got.status != http.StatusOK || string(got.body) != `{"id":"7"}` {
		t.Errorf("allowed caller: %d %s", got.status, got.body)
	}
}

func TestPublicRouteTakesNoToken(t *testing.T) {
	t.Parallel()
	a := newAPI(t, true)
	if got := a.do("POST", "/hooks/provider", []byte(`{"name":"hook"}`)); got.status != http.StatusCreated {
		t.Errorf("public route without a token: %d %s", got.status, got.body)
	}
}

// TestHandlerErrorsAreWrittenByKind: what a handler returns becomes the same answer on
// every service.
func TestHandlerErrorsAreWrittenByKind(t *testing.T) {
	t.Parallel()
	a := newAPI(t, false)
	a.fails = map[string]error{
		"problem":     problem.Conflict("It is voided."),
		"wrapped":     fmt.Errorf("capture: %w", problem.NotFound("No payment 9.")),
		"problem-503": problem.Unavailable("The store is down."),
		"conflict":    fault.Conflict("invalid-payment-state", "State", "It is voided.").With("payment_status", "VOIDED"),
		"refused":     fault.Refused("payment-declined", "Payment declined", "The card was declined."),
		"unavailable": fmt.Errorf("deposit: %w", fault.Unavailable("payment-provider-unavailable", "Provider down", "Retry.").Because(errors.New("dial tcp 10.0.0.1: refused"))),
		"slow-retry":  (&fault.Error{Kind: fault.KindUnavailable, Title: "Down", RetryAfter: 1500 * time.Millisecond}),
		"invalid":     fault.Invalid("Bad date."),
		"unprocessed": fault.Unprocessable("currency-mismatch", "Currency mismatch", "EUR, not USD."),
		"not-found":   fault.NotFound("No thing."),
		"bug":         errors.New("pq: relation \"things\" does not exist"),
		"wrapped-bug": fmt.Errorf("load: %w", context.DeadlineExceeded),
	}
	for _, c := range []struct {
		id         string
		status     int
		typ        string
		retryAfter string
	}{
		{"problem", http.StatusConflict, problem.TypeConflict, ""},
		{"wrapped", http.StatusNotFound, problem.TypeNotFound, ""},
		{"problem-503", http.StatusServiceUnavailable, problem.TypeUnavailable, "5"},
		{"conflict", http.StatusConflict, problem.Type("invalid-payment-state"), ""},
		{"refused", http.StatusPaymentRequired, problem.Type("payment-declined"), ""},
		{"unavailable", http.StatusServiceUnavailable, problem.Type("payment-provider-unavailable"), "5"},
		{"slow-retry", http.StatusServiceUnavailable, problem.TypeUnavailable, "2"},
		{"invalid", http.StatusBadRequest, problem.TypeValidation, ""},
		{"unprocessed", http.StatusUnprocessableEntity, problem.Type("currency-mismatch"), ""},
		{"not-found", http.StatusNotFound, problem.TypeNotFound, ""},
		{"bug", http.StatusInternalServerError, problem.TypeInternal, ""},
		{"wrapped-bug", http.StatusInternalServerError, problem.TypeInternal, ""},
	} {
		got := a.do("GET", "/v1/things/"+c.id, nil, "Authorization", bearerA, "X-Request-Id", "req-"+c.id)
		got.isProblem(t, c.id, c.status, c.typ)
		if ra := got.header.Get("Retry-After"); ra != c.retryAfter {
			t.Errorf("%s: Retry-After %q; want %q", c.id, ra, c.retryAfter)
		}
		if strings.Contains(string(got.body), "dial tcp") || strings.Contains(string(got.body), "relation") {
			t.Errorf("%s: the cause is shown to the client: %s", c.id, got.body)
		}
	}
	if got := a.do("GET", "/v1/things/conflict", nil, "Authorization", bearerA); got.doc["payment_status"] != "VOIDED" {
		t.Errorf("fault extension lost: %s", got.body)
	}
	if got := a.do("GET", "/v1/things/bug", nil, "Authorization", bearerA, "X-Request-Id", "req-bug-2"); got.doc["request_id"] != "req-bug-2" {
		t.Errorf("500 does not name the request id: %s", got.body)
	}
	logs := a.logs.String()
	for _, want := range []string{`msg="API request failed" request_id=req-bug`, `relation \"things\" does not exist`,
		`level=WARN msg="API request met an unavailable dependency" request_id=req-unavailable`, "dial tcp 10.0.0.1"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

// TestCancelledRequestIs503 and an error after the answer started: neither can be served
// through a real client, so the handler is called directly.
func TestCancelledRequestIs503(t *testing.T) {
	t.Parallel()
	logs := &logtest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	h := httpedge.Handler(func(w http.ResponseWriter, r *http.Request) error { return r.Context().Err() }, log)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/things/1", nil).WithContext(ctx))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), problem.TypeUnavailable) {
		t.Errorf("cancelled: %d %s", rec.Code, rec.Body)
	}

	late := httpedge.Handler(func(w http.ResponseWriter, r *http.Request) error {
		w.WriteHeader(http.StatusAccepted)
		return errors.New("audit write failed")
	}, log)
	rec = httptest.NewRecorder()
	late.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/things/1", nil))
	if rec.Code != http.StatusAccepted || rec.Body.Len() != 0 {
		t.Errorf("error after answering changed the answer: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "API handler failed after answering") || !strings.Contains(logs.String(), "audit write failed") {
		t.Errorf("error after answering not logged: %s", logs)
	}
}
