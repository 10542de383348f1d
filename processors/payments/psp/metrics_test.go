package psp_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/outbound"
)

// Every attempt at the PSP goes through the outbound client, so each one is counted by
// outcome: two 503s and the success that follows are three attempts.
func TestEveryAttemptIsCounted(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	c, fake := newClient(t, func(c *outbound.Config) { c.Service, c.Metrics = "svc-payments", reg })
	fake.FailNext(2, 503)
	if _, err := authorize(t, c, "pm_card_visa", "k1"); err != nil {
		t.Fatalf("after two 503s: %v", err)
	}
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "novatrek_outbound_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" {
					got[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	if got[outbound.OutcomeServerError] != 2 || got[outbound.OutcomeOK] != 1 || len(got) != 2 {
		t.Fatalf("novatrek_outbound_requests_total by outcome = %v, want 2 server_error and 1 ok", got)
	}
}
