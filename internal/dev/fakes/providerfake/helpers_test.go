package providerfake_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// waitHeld polls until a hang holds n requests: the fake has no event for a request
// entering a hang, and polling a condition is what the brief allows.
func waitHeld(t *testing.T, f interface{ Held() int }, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for f.Held() < n {
		if time.Now().After(deadline) {
			t.Fatalf("held %d requests, want %d", f.Held(), n)
		}
		time.Sleep(time.Millisecond)
	}
}
