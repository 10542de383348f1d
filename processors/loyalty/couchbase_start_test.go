package loyalty

import (
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/service"
)

// TestUnreachableCouchbaseStopsTheStart: with LOYALTY_STORE=couchbase and no server where
// COUCHBASE_URL points, newApp gives up after COUCHBASE_TIMEOUT with one line naming the
// URL and the bucket, and without the password.
func TestUnreachableCouchbaseStopsTheStart(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0") // a free port, closed again: nothing answers there
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	env := map[string]string{"LOYALTY_STORE": "couchbase", "COUCHBASE_URL": "couchbase://" + addr,
		"COUCHBASE_USERNAME": "loyalty", "COUCHBASE_PASSWORD": "hunter2-not-shown", "COUCHBASE_TIMEOUT": "1s"}
	// The clients are declared but unresolved: the start stops before anything calls them.
	_, err = newApp(t.Context(), service.Env{Name: ServiceName, Logger: slog.New(slog.DiscardHandler),
		Getenv:    func(k string) string { return env[k] },
		Endpoints: map[string]*service.Endpoint{clientReservations: nil, clientGuestProfiles: nil}})
	if err == nil {
		t.Fatal("started without a Couchbase server")
	}
	msg := err.Error()
	t.Logf("the start stopped: %s", msg)
	if !strings.Contains(msg, "couchbase://"+addr) || !strings.Contains(msg, "novatrek") || strings.Contains(msg, "\n") ||
		strings.Contains(msg, "hunter2") {
		t.Errorf("%q: want one line naming the URL and the bucket, without the password", msg)
	}
}
