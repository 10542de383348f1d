package simulate

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestHTTPSinkWorkflowCalls: a created resource's id (Location) fills a later call's path;
// If-Match sends the ETag just read and, on 412, reads again and retries; two copies at once
// both land, one revision after the other; a refusal the call expects is ErrExpected, the
// same refusal unexpected is a plain failure; a path naming an id never saved fails naming
// it; the guest token and Idempotency-Key are sent.
func TestHTTPSinkWorkflowCalls(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	rev, stale412 := 0, 1 // the first PATCH meets 412 whatever it sends: another writer came first
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+r.Header.Get("Idempotency-Key")+" "+r.Header.Get("If-Match"))
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/things":
			if rev > 0 {
				w.WriteHeader(http.StatusConflict)
				return
			}
			rev = 1
			w.Header().Set("Location", "/v1/things/T-1")
			w.WriteHeader(http.StatusCreated)
		case r.Method == http.MethodGet && r.URL.Path == "/v1/things/T-1":
			w.Header().Set("ETag", fmt.Sprintf(`"%d"`, rev))
		case r.Method == http.MethodPatch && r.URL.Path == "/v1/things/T-1":
			if stale412 > 0 || r.Header.Get("If-Match") != fmt.Sprintf(`"%d"`, rev) {
				stale412--
				w.WriteHeader(http.StatusPreconditionFailed)
				return
			}
			rev++
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	sink, err := NewHTTPSink(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	create := Call{Method: http.MethodPost, Path: "/v1/things", Caller: "guest-app", Token: "guest.g.sig", IdempotencyKey: "k1", Save: "thing", Body: []byte(`{}`)}
	if err := sink.Call(ctx, create); err != nil {
		t.Fatalf("create: %v", err)
	}
	edit := Call{Method: http.MethodPatch, Path: "/v1/things/{$thing}", IfMatch: "/v1/things/{$thing}", Copies: 2, Caller: "guest-app", Body: []byte(`{}`)}
	if err := sink.Call(ctx, edit); err != nil {
		t.Fatalf("edit from two devices: %v", err)
	}
	mu.Lock()
	if rev != 3 || stale412 > 0 {
		t.Errorf("revision %d after two edits (want 3); the forced 412 left unsent: %v", rev, stale412 > 0)
	}
	if !strings.HasPrefix(seen[0], "POST /v1/things Bearer guest.g.sig k1") {
		t.Errorf("create sent as %q", seen[0])
	}
	mu.Unlock()

	again := create
	again.Save, again.Expect = "", http.StatusConflict
	if err := sink.Call(ctx, again); !errors.Is(err, ErrExpected) {
		t.Errorf("expected duplicate: err = %v, want ErrExpected", err)
	}
	again.Expect = 0
	if err := sink.Call(ctx, again); err == nil || errors.Is(err, ErrExpected) || !strings.Contains(err.Error(), "409") {
		t.Errorf("unexpected duplicate: err = %v, want a failure naming 409", err)
	}
	if err := sink.Call(ctx, Call{Method: http.MethodPatch, Path: "/v1/things/{$other}", Caller: "x"}); err == nil || !strings.Contains(err.Error(), `"other"`) {
		t.Errorf("unsaved id: err = %v, want one naming it", err)
	}
}
