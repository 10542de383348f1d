package payments

import (
	"net/http"
	"strings"
	"testing"
)

// TestOutboundCallsOnMetrics: a deposit calls the fraud service and the PSP through the
// declared clients, and the service's /metrics then shows each call labelled with the
// calling service and the target, with its duration and its circuit state.
func TestOutboundCallsOnMetrics(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustDeposit(deposit("50.00", "USD", "pm_card_visa"))

	resp := h.svc.Call("", "GET", "/metrics", nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /metrics = %d", resp.Status)
	}
	page := string(resp.Body)
	for _, want := range []string{
		`novatrek_outbound_requests_total{outcome="ok",service="svc-payments",target="psp"}`,
		`novatrek_outbound_requests_total{outcome="ok",service="svc-payments",target="fraud"}`,
		`novatrek_outbound_request_duration_seconds_count{service="svc-payments",target="psp"}`,
		`novatrek_outbound_circuit_open{service="svc-payments",target="fraud"} 0`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		for _, l := range strings.Split(page, "\n") {
			if strings.HasPrefix(l, "novatrek_outbound") {
				t.Log(l)
			}
		}
	}
}
