package idempotency_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

type env struct {
	pool   *pgxpool.Pool
	keeper *idempotency.Keeper
	now    atomic.Int64 // unix nanos of the keeper's clock
}

func newEnv(t *testing.T, required bool) *env {
	t.Helper()
	pool := pgtest.NewDB(t)
	if _, err := migrate.Apply(context.Background(), pool, "svc", idempotency.Migrations()); err != nil {
		t.Fatal(err)
	}
	e := &env{pool: pool}
	e.now.Store(time.Now().UnixNano())
	k, err := idempotency.New(idempotency.Config{
		Pool: pool, Schema: "svc", Required: required, Lease: time.Minute,
		Now: func() time.Time { return time.Unix(0, e.now.Load()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	e.keeper = k
	return e
}

// server wraps h in the caller-injecting and idempotency middlewares.
func (e *env) server(t *testing.T, h http.Handler) *httptest.Server {
	return e.serverWith(t, e.keeper.Middleware, h)
}

// serverWith is server with another of the keeper's middlewares.
func (e *env) serverWith(t *testing.T, mw func(http.Handler) http.Handler, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller := r.Header.Get("X-Test-Caller")
		if caller == "" {
			caller = "svc-a"
		}
		mw(h).ServeHTTP(w, r.WithContext(apiauth.WithCaller(r.Context(), apiauth.Caller{Name: caller})))
	}))
	t.Cleanup(srv.Close)
	return srv
}

type result struct {
	status   int
	body     string
	replayed bool
	ctype    string
}

func post(t *testing.T, url, key, body string, hdr ...string) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if key != "" {
		req.Header.Set(idempotency.Header, key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, string(b), resp.Header.Get(idempotency.ReplayedHeader) == "true", resp.Header.Get("Content-Type")}
}

// counting answers 201 with a body naming how many times it ran.
func counting(n *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"run":%d}`, v)
	})
}

func TestReplayAndMismatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	var runs atomic.Int32
	srv := e.server(t, counting(&runs))

	first := post(t, srv.URL+"/v1/things", "k1", `{"a":1,"b":"x"}`)
	if first.status != http.StatusCreated || first.replayed {
		t.Fatalf("first = %+v", first)
	}
	// Same values, keys reordered and spaced differently: the same request.
	again := post(t, srv.URL+"/v1/things", "k1", `{ "b": "x", "a": 1 }`)
	if again.status != http.StatusCreated || again.body != first.body || !again.replayed || again.ctype != "application/json" {
		t.Fatalf("replay = %+v; want %+v replayed", again, first)
	}
	diff := post(t, srv.URL+"/v1/things", "k1", `{"a":2,"b":"x"}`)
	if diff.status != http.StatusUnprocessableEntity || !strings.Contains(diff.body, problem.TypeIdempotencyReuse) {
		t.Fatalf("different body = %+v; want 422 %s", diff, problem.TypeIdempotencyReuse)
	}
	otherPath := post(t, srv.URL+"/v1/other", "k1", `{"a":1,"b":"x"}`)
	if otherPath.status != http.StatusUnprocessableEntity {
		t.Fatalf("same key on another path = %+v; want 422", otherPath)
	}
	// Keys are scoped by caller: svc-b's k1 is another key.
	other := post(t, srv.URL+"/v1/things", "k1", `{"a":1,"b":"x"}`, "X-Test-Caller", "svc-b")
	if other.status != http.StatusCreated || other.replayed {
		t.Fatalf("other caller = %+v", other)
	}
	if runs.Load() != 2 {
		t.Fatalf("handler ran %d times; want 2 (svc-a once, svc-b once)", runs.Load())
	}
	// A request without a key is not protected (Required is false).
	post(t, srv.URL+"/v1/things", "", `{}`)
	if runs.Load() != 3 {
		t.Fatalf("keyless request did not run")
	}
}

func TestRequiredKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	var runs atomic.Int32
	srv := e.server(t, counting(&runs))
	r := post(t, srv.URL+"/v1/things", "", `{}`)
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, problem.TypeIdempotencyNeeded) || runs.Load() != 0 {
		t.Fatalf("keyless write = %+v, runs %d", r, runs.Load())
	}
	r = post(t, srv.URL+"/v1/things", strings.Repeat("k", 256), `{}`)
	if r.status != http.StatusBadRequest || runs.Load() != 0 {
		t.Fatalf("256-char key = %+v", r)
	}
}

func TestConcurrentRequestsHaveOneEffect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	var runs atomic.Int32
	started := make(chan struct{})
	proceed := make(chan struct{})
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		close(started)
		<-proceed
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "done")
	}))

	firstDone := make(chan result, 1)
	go func() { firstDone <- post(t, srv.URL+"/x", "same", `{"n":1}`) }()
	<-started
	// While the first holds the key, every other request with it is told to retry.
	var wg sync.WaitGroup
	results := make([]result, 8)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = post(t, srv.URL+"/x", "same", `{"n":1}`) }()
	}
	wg.Wait()
	for i, r := range results {
		if r.status != http.StatusConflict || !strings.Contains(r.body, problem.TypeIdempotencyInUse) {
			t.Errorf("concurrent request %d = %+v; want 409 in use", i, r)
		}
	}
	close(proceed)
	if r := <-firstDone; r.status != http.StatusCreated {
		t.Fatalf("first = %+v", r)
	}
	if r := post(t, srv.URL+"/x", "same", `{"n":1}`); r.status != http.StatusCreated || !r.replayed {
		t.Fatalf("after completion = %+v; want replay", r)
	}
	if runs.Load() != 1 {
		t.Fatalf("handler ran %d times; want 1", runs.Load())
	}
}

func TestErrorsAreForgotten(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	var runs atomic.Int32
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if runs.Add(1) == 1 {
			problem.Write(w, r, problem.Unavailable("provider down"))
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	if r := post(t, srv.URL+"/x", "k", `{}`); r.status != http.StatusServiceUnavailable {
		t.Fatalf("first = %+v", r)
	}
	if r := post(t, srv.URL+"/x", "k", `{}`); r.status != http.StatusCreated || r.replayed {
		t.Fatalf("retry = %+v; want the handler to run again", r)
	}
	if r := post(t, srv.URL+"/x", "k", `{}`); !r.replayed {
		t.Fatalf("the success is stored: %+v", r)
	}
	// A refused request leaves nothing: the client may fix the body and retry with the key.
	refuse := true
	srv2 := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse {
			problem.Write(w, r, problem.Validation("bad"))
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	if r := post(t, srv2.URL+"/y", "k2", `{"v":"bad"}`); r.status != http.StatusBadRequest {
		t.Fatalf("refused = %+v", r)
	}
	refuse = false
	if r := post(t, srv2.URL+"/y", "k2", `{"v":"fixed"}`); r.status != http.StatusCreated {
		t.Fatalf("fixed request with the same key = %+v; want it to run", r)
	}
}

func TestExpiredLeaseIsTakenOver(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	var runs atomic.Int32
	srv := e.server(t, counting(&runs))

	// A crashed holder: the row is claimed and nothing ever completes or releases it.
	pgtest.Exec(t, e.pool, `INSERT INTO svc.idempotency_keys (caller, key, request_hash, method, path, locked_until)
		VALUES ('svc-a', 'crashed', $1, 'POST', '/x', $2)`,
		idempotency.Fingerprint("POST", "/x", "", []byte(`{}`)), time.Unix(0, e.now.Load()).Add(time.Minute))
	if r := post(t, srv.URL+"/x", "crashed", `{}`); r.status != http.StatusConflict {
		t.Fatalf("within the lease = %+v; want 409", r)
	}
	e.now.Add(int64(2 * time.Minute)) // the lease expires
	if r := post(t, srv.URL+"/x", "crashed", `{}`); r.status != http.StatusCreated || runs.Load() != 1 {
		t.Fatalf("after the lease = %+v (runs %d); want the retry to take over", r, runs.Load())
	}
	var attempts int
	if err := e.pool.QueryRow(context.Background(), `SELECT attempts FROM svc.idempotency_keys WHERE key = 'crashed'`).Scan(&attempts); err != nil || attempts != 2 {
		t.Fatalf("attempts = %d, %v; want 2", attempts, err)
	}
}

func TestCompleteTxStoresWithTheEffect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	pgtest.Exec(t, e.pool, `CREATE TABLE svc.effects (id serial PRIMARY KEY)`)
	var runs atomic.Int32
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		ctx := r.Context()
		tx, err := e.pool.Begin(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		defer tx.Rollback(ctx)
		var id int
		if err := tx.QueryRow(ctx, `INSERT INTO svc.effects DEFAULT VALUES RETURNING id`).Scan(&id); err != nil {
			t.Error(err)
			return
		}
		body, _ := json.Marshal(map[string]int{"id": id})
		resp := idempotency.Response{Status: http.StatusCreated, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
		if err := idempotency.FromContext(ctx).CompleteTx(ctx, tx, resp); err != nil {
			t.Error(err)
			return
		}
		if err := tx.Commit(ctx); err != nil {
			t.Error(err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.Status)
		w.Write(resp.Body)
	}))
	first := post(t, srv.URL+"/x", "k", `{}`)
	second := post(t, srv.URL+"/x", "k", `{}`)
	if first.status != http.StatusCreated || second.body != first.body || !second.replayed || runs.Load() != 1 {
		t.Fatalf("first %+v second %+v runs %d", first, second, runs.Load())
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	var runs atomic.Int32
	srv := e.server(t, counting(&runs))
	post(t, srv.URL+"/x", "old", `{}`)
	e.now.Add(int64(25 * time.Hour))
	n, err := e.keeper.Prune(context.Background(), 100)
	if err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1", n, err)
	}
	if r := post(t, srv.URL+"/x", "old", `{}`); r.replayed || runs.Load() != 2 {
		t.Fatalf("a pruned key should run again: %+v", r)
	}
}

func TestPanicReleasesTheKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	boom := true
	h := e.keeper.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if boom {
			panic("handler bug")
		}
		w.WriteHeader(http.StatusCreated)
	}))
	serve := func() (code int, panicked bool) {
		defer func() { panicked = recover() != nil }()
		req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(`{}`))
		req.Header.Set(idempotency.Header, "k")
		req = req.WithContext(apiauth.WithCaller(req.Context(), apiauth.Caller{Name: "svc-a"}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, false
	}
	if _, panicked := serve(); !panicked {
		t.Fatal("the panic did not propagate")
	}
	boom = false
	if code, _ := serve(); code != http.StatusCreated {
		t.Fatalf("retry after a panic = %d; want the key free and the handler run", code)
	}
}
