package reviews

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// TestIfMatchGuardsEveryWrite: an edit or delete without If-Match is 428, with a stale
// revision 412 naming the current one, with the current one it applies and the ETag moves
// on; another guest's review is 404 to them.
func TestIfMatchGuardsEveryWrite(t *testing.T) {
	t.Parallel()
	rg := newRig(t)
	ada := uuid.NewString()
	v := rg.mustSubmit(ada, rg.completedHere(ada, tripID(1)), 4, "Good", okBody)
	path := "/v1/reviews/" + v.ReviewID
	as := servicetest.Guest(ada)

	get := rg.svc.Call(as, "GET", path, nil)
	if get.Status != http.StatusOK || get.Header.Get("ETag") != `"1"` {
		t.Fatalf("GET = %d, ETag %q", get.Status, get.Header.Get("ETag"))
	}
	patch := map[string]any{"rating": 5}
	wantProblem(t, "PATCH without If-Match", rg.svc.Call(as, "PATCH", path, patch), http.StatusPreconditionRequired, "precondition-required")
	wantProblem(t, "PATCH with If-Match *", rg.svc.Call(as, "PATCH", path, patch, "If-Match", "*"), http.StatusPreconditionRequired)
	wantProblem(t, "PATCH with a weak ETag", rg.svc.Call(as, "PATCH", path, patch, "If-Match", `W/"1"`), http.StatusPreconditionFailed)
	ok := rg.svc.Call(as, "PATCH", path, patch, "If-Match", `"1"`)
	if ok.Status != http.StatusOK || ok.Header.Get("ETag") != `"2"` || !strings.Contains(string(ok.Body), `"rating":5`) {
		t.Fatalf("PATCH at revision 1 = %d %s, ETag %q", ok.Status, ok.Body, ok.Header.Get("ETag"))
	}
	wantProblem(t, "PATCH at the old revision", rg.svc.Call(as, "PATCH", path, map[string]any{"rating": 1}, "If-Match", `"1"`),
		http.StatusPreconditionFailed, "precondition-failed", `"_rev":2`, `"etag":"\"2\""`)
	wantProblem(t, "PATCH by another guest", rg.svc.Call(servicetest.Guest(uuid.NewString()), "PATCH", path, patch, "If-Match", `"2"`), http.StatusNotFound)
	wantProblem(t, "DELETE without If-Match", rg.svc.Call(as, "DELETE", path, nil), http.StatusPreconditionRequired)
	wantProblem(t, "DELETE at the old revision", rg.svc.Call(as, "DELETE", path, nil, "If-Match", `"1"`), http.StatusPreconditionFailed, `"_rev":2`)
	if del := rg.svc.Call(as, "DELETE", path, nil, "If-Match", `"2"`); del.Status != http.StatusNoContent {
		t.Fatalf("DELETE at revision 2 = %d %s", del.Status, del.Body)
	}
	wantProblem(t, "GET after DELETE", rg.svc.Call(as, "GET", path, nil), http.StatusNotFound)
	if n := rg.count(`SELECT review_count FROM reviews.rating_aggregates WHERE target_type = 'TRIP' AND target_id = $1`, tripID(1)); n != 0 {
		t.Errorf("the deleted review still counts: %d", n)
	}
}

// TestConcurrentEditorsLoseNoUpdate: twenty editors each add their own line to the same
// review by read-modify-write, retrying on 412; every line is there at the end and the
// revision counts every write.
func TestConcurrentEditorsLoseNoUpdate(t *testing.T) {
	t.Parallel()
	rg := newRig(t)
	ada := uuid.NewString()
	v := rg.mustSubmit(ada, rg.completedHere(ada, tripID(1)), 4, "", okBody)
	path := "/v1/reviews/" + v.ReviewID
	as := servicetest.Guest(ada)
	const editors = 20
	var wg sync.WaitGroup
	for i := range editors {
		wg.Go(func() {
			for {
				cur := rg.svc.Call(as, "GET", path, nil)
				var r reviewView
				cur.JSON(t, &r)
				resp := rg.svc.Call(as, "PATCH", path, map[string]any{"body": r.Body + fmt.Sprintf("\nline %d", i)},
					"If-Match", cur.Header.Get("ETag"))
				switch resp.Status {
				case http.StatusOK:
					return
				case http.StatusPreconditionFailed:
					continue
				default:
					t.Errorf("editor %d: %d %s", i, resp.Status, resp.Body)
					return
				}
			}
		})
	}
	wg.Wait()
	var final reviewView
	rg.svc.Call(as, "GET", path, nil).JSON(t, &final)
	for i := range editors {
		if !strings.Contains(final.Body, fmt.Sprintf("\nline %d\n", i)) && !strings.HasSuffix(final.Body, fmt.Sprintf("\nline %d", i)) {
			t.Errorf("editor %d's line was lost", i)
		}
	}
	if final.Rev != editors+1 {
		t.Errorf("revision %d after %d edits; want %d", final.Rev, editors, editors+1)
	}
}
