package devstack

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/analytics"
)

// TestConsoleChartsTheStacksAnalytics: with svc-analytics among the stack's services, the
// console's Analytics page reads its API on the stack with the analysts' dev token: each
// chart's place holds the API's own answer (an empty window, the forecast's 422), not "not
// configured" nor a refused token.
func TestConsoleChartsTheStacksAnalytics(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, t.TempDir())
	cfg.DatabaseURL = pgtest.URLToCreate(t)
	cfg.Services = []service.Definition{analytics.Spec}
	cfg.Getenv = func(string) string { return "" } // dev mode: the services' dev tokens
	s, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })

	resp, err := http.Get("http://" + s.HTTPAddr() + "/console/analytics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /console/analytics = %d:\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"No bookings in this window.", "Not enough history to forecast"} {
		if !strings.Contains(body, want) {
			t.Errorf("the Analytics page lacks %q (the API's answer):\n%s", want, body)
		}
	}
	for _, bad := range []string{"No svc-analytics API is configured", "Unauthorized", "not reachable"} {
		if strings.Contains(body, bad) {
			t.Errorf("the Analytics page says %q:\n%s", bad, body)
		}
	}
}
