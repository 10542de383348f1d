package simulate

import (
	"bytes"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRoutesSendEachCallToItsRoutesService: with only the contact route served (declared
// with another wildcard name), Run sends exactly the contact calls there, counts the device
// calls as skipped without a log line each, and Unserved names the device route.
func TestRoutesSendEachCallToItsRoutesService(t *testing.T) {
	t.Parallel()
	const events = 2000
	// The setup's calls (all locations) are routed like the others: skipped here.
	g, err := NewGenerator("routes", topo(t))
	if err != nil {
		t.Fatal(err)
	}
	contacts, others := 0, len(g.Setup())
	for _, ev := range generate(t, "routes", events) {
		for _, c := range slices.Concat(ev.Before, ev.After) {
			switch c.Route {
			case RouteContact:
				contacts++
			default:
				if slices.Contains(CallRoutes, c.Route) {
					others++
					continue
				}
				t.Fatalf("call %s %s has route %q, not one of CallRoutes", c.Method, c.Path, c.Route)
			}
		}
	}
	if contacts == 0 || others == 0 {
		t.Fatalf("the seed makes %d contact and %d other calls; want both", contacts, others)
	}
	srv, got := recorder(t, http.StatusOK)
	sink, err := NewHTTPSink(srv.URL + "/svc-x")
	if err != nil {
		t.Fatal(err)
	}
	routes := Routes{}
	routes.Add("PUT /v1/recipients/{recipient}/contact", sink)
	if u := routes.Unserved(); !slices.Equal(u, CallRoutes[1:]) || CallRoutes[0] != RouteContact {
		t.Errorf("Unserved = %q; want all but %s", u, RouteContact)
	}
	var log bytes.Buffer
	st, err := Run(t.Context(), Config{Rate: 2000, Duration: time.Second, Seed: "routes", Sink: &memSink{}, Calls: routes,
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if st.Calls != contacts || st.CallsSkipped != others || st.CallErrors != 0 {
		t.Errorf("stats: %d ok, %d skipped, %d failed; want %d, %d, 0", st.Calls, st.CallsSkipped, st.CallErrors, contacts, others)
	}
	for _, r := range got() {
		if !strings.HasPrefix(r.Path, "/svc-x/v1/recipients/") || !strings.HasSuffix(r.Path, "/contact") {
			t.Errorf("the contact service received %s %s", r.Method, r.Path)
		}
	}
	if n := len(got()); n != contacts {
		t.Errorf("the contact service received %d calls; want %d", n, contacts)
	}
	if strings.Contains(log.String(), "simulated API call failed") {
		t.Errorf("a skipped call was logged as failed:\n%s", log.String())
	}
}
