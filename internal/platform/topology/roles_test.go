package topology

import (
	"strings"
	"testing"
)

// TestCheckRoles: the declared roles pass; a topic the service does not consume, one it does
// not produce, an unknown topic and a declared topic it does not subscribe to are each named
// in the one error.
func TestCheckRoles(t *testing.T) {
	topo, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	const svc = "svc-payments"
	if err := topo.CheckRoles(svc, []string{"novatrek.booking.reservation.status-changed"},
		[]string{"novatrek.support.payment.processed"}); err != nil {
		t.Fatalf("declared roles refused: %v", err)
	}
	err = topo.CheckRoles(svc, []string{"novatrek.safety.emergency.triggered", "novatrek.no.such.topic"},
		[]string{"novatrek.booking.reservation.created"})
	if err == nil {
		t.Fatal("undeclared roles accepted")
	}
	for _, want := range []string{
		"svc-payments as a consumer of novatrek.safety.emergency.triggered",
		"svc-payments as a consumer of novatrek.no.such.topic",
		"svc-payments as a producer of novatrek.booking.reservation.created",
		// The reverse: declared, but not subscribed to.
		"lists svc-payments as a consumer of novatrek.booking.reservation.status-changed, but it does not subscribe to it",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
