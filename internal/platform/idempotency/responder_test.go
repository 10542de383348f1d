package idempotency_test

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/problem"
)

// declined renders an outcome the way a payments handler does: a refusal is a 402 that is
// itself the effect, so it must be replayed, not run again.
func declined(code string) idempotency.Response {
	body, _ := json.Marshal(problem.New(http.StatusPaymentRequired, problem.Type("payment-declined"), "Declined", code))
	return idempotency.Response{Status: http.StatusPaymentRequired, Header: http.Header{"Content-Type": {problem.ContentType}}, Body: body}
}

// TestResponderStoresTheRenderingWithTheEffect: a refusal rendered in the transaction that
// records it is replayed to a retry (the keeper forgets non-2xx answers it did not see
// stored); a rendering whose transaction rolled back is discarded and the retry runs again;
// without a key the rendering is simply written.
func TestResponderStoresTheRenderingWithTheEffect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	var runs atomic.Int32
	var commit atomic.Bool
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		rs := idempotency.NewResponder(r, declined)
		tx, err := e.pool.Begin(r.Context())
		if err != nil {
			t.Error(err)
			return
		}
		if err := rs.Finish(r.Context(), tx, "card_declined"); err != nil {
			t.Error(err)
		}
		if commit.Load() {
			err = tx.Commit(r.Context())
		} else {
			err = tx.Rollback(r.Context())
			rs.Discard()
		}
		if err != nil {
			t.Error(err)
		}
		rs.Write(w, "card_declined")
	}))

	// Rolled back: discarded, so the keeper forgets the key and a retry runs.
	if r := post(t, srv.URL+"/v1/deposits", "k1", `{}`); r.status != http.StatusPaymentRequired || r.replayed {
		t.Fatalf("rolled back = %+v; want the 402 written, not replayed", r)
	}
	commit.Store(true)
	first := post(t, srv.URL+"/v1/deposits", "k1", `{}`)
	if first.status != http.StatusPaymentRequired || first.replayed || runs.Load() != 2 {
		t.Fatalf("committed = %+v after %d runs; want a fresh 402 on the second run", first, runs.Load())
	}
	again := post(t, srv.URL+"/v1/deposits", "k1", `{}`)
	if again.status != http.StatusPaymentRequired || !again.replayed || again.body != first.body || runs.Load() != 2 {
		t.Fatalf("retry = %+v after %d runs; want %q replayed without running", again, runs.Load(), first.body)
	}
	if r := post(t, srv.URL+"/v1/deposits", "", `{}`); r.status != http.StatusPaymentRequired || r.ctype != problem.ContentType {
		t.Fatalf("without a key = %+v; want the rendering written", r)
	}
}
