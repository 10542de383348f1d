package idempotency_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/problem"
)

// effectHandler is a keyed write as RequiredInTx expects it: the effect (a row of
// svc.effects) and its answer in one transaction; before it records the answer it waits
// on hold (nil: no wait).
func effectHandler(t *testing.T, e *env, runs *atomic.Int32, hold func()) http.Handler {
	if _, err := e.pool.Exec(context.Background(), `CREATE TABLE svc.effects (id serial PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := runs.Add(1)
		render := func(id int) idempotency.Response {
			return idempotency.Response{Status: http.StatusCreated, Header: http.Header{"Content-Type": {"application/json"}},
				Body: fmt.Appendf(nil, `{"effect":%d,"run":%d}`, id, n)}
		}
		rs := idempotency.NewResponder(r, render)
		var id int
		err := pgx.BeginFunc(r.Context(), e.pool, func(tx pgx.Tx) error {
			if err := tx.QueryRow(r.Context(), `INSERT INTO svc.effects DEFAULT VALUES RETURNING id`).Scan(&id); err != nil {
				return err
			}
			if hold != nil {
				hold()
			}
			return rs.Finish(r.Context(), tx, id)
		})
		if err != nil {
			rs.Discard()
			p, ok := err.(*problem.Problem)
			if !ok {
				p = problem.Internal()
			}
			problem.Write(w, r, p)
			return
		}
		rs.Write(w, id)
	})
}

// TestRequiredInTxRecordsTheKeyWithTheEffect: the key is recorded in the effect's own
// transaction (the same xmin: one commit), replayed after, refused for another body, and
// required.
func TestRequiredInTxRecordsTheKeyWithTheEffect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	var runs atomic.Int32
	srv := e.serverWith(t, e.keeper.RequiredInTx, effectHandler(t, e, &runs, nil))
	first := post(t, srv.URL+"/x", "k1", `{"n":1}`)
	if first.status != http.StatusCreated || first.replayed {
		t.Fatalf("first = %+v", first)
	}
	var same bool
	if err := e.pool.QueryRow(context.Background(), `SELECT (SELECT xmin::text FROM svc.idempotency_keys WHERE key = 'k1') =
		(SELECT xmin::text FROM svc.effects)`).Scan(&same); err != nil || !same {
		t.Fatalf("key and effect committed together: %v (%v), want true", same, err)
	}
	if r := post(t, srv.URL+"/x", "k1", `{"n":1}`); r.status != http.StatusCreated || !r.replayed || r.body != first.body {
		t.Fatalf("retry = %+v; want %q replayed", r, first.body)
	}
	if r := post(t, srv.URL+"/x", "k1", `{"n":2}`); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("other body, same key = %+v; want 422", r)
	}
	if r := post(t, srv.URL+"/x", "", `{"n":1}`); r.status != http.StatusBadRequest {
		t.Fatalf("no key = %+v; want 400", r)
	}
	if runs.Load() != 1 {
		t.Fatalf("handler ran %d times; want 1", runs.Load())
	}
}

// TestRequiredInTxConcurrentRequestsHaveOneEffect: two requests with one new key both run
// (nothing is claimed before), both write their effect, and the second's record of the
// key waits for the first's commit: it is refused 409 and its effect rolled back.
func TestRequiredInTxConcurrentRequestsHaveOneEffect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	var runs atomic.Int32
	var arrived sync.WaitGroup
	arrived.Add(2)
	srv := e.serverWith(t, e.keeper.RequiredInTx, effectHandler(t, e, &runs, func() { arrived.Done(); arrived.Wait() }))
	results := make([]result, 2)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i] = post(t, srv.URL+"/x", "same", `{"n":1}`) })
	}
	wg.Wait()
	created, refused := 0, 0
	for _, r := range results {
		switch {
		case r.status == http.StatusCreated:
			created++
		case r.status == http.StatusConflict && strings.Contains(r.body, problem.TypeIdempotencyInUse):
			refused++
		default:
			t.Errorf("unexpected answer %+v", r)
		}
	}
	var effects int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM svc.effects`).Scan(&effects); err != nil {
		t.Fatal(err)
	}
	if created != 1 || refused != 1 || effects != 1 || runs.Load() != 2 {
		t.Fatalf("%d created, %d refused, %d effects after %d runs; want 1, 1, 1 after 2", created, refused, effects, runs.Load())
	}
	if r := post(t, srv.URL+"/x", "same", `{"n":1}`); r.status != http.StatusCreated || !r.replayed {
		t.Fatalf("retry of the refused one = %+v; want the replay", r)
	}
}
