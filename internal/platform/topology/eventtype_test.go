package topology

import "testing"

// TestEventTypeMatchesSpec checks the derived event types against the names the spec's event
// tables use for the topics we consume.
func TestEventTypeMatchesSpec(t *testing.T) {
	for topic, want := range map[string]string{
		"novatrek.booking.reservation.created":        "reservation.created",
		"novatrek.booking.reservation.status-changed": "reservation.status_changed",
		"novatrek.guest-identity.guest.registered":    "guest.registered",
		"novatrek.operations.checkin.completed":       "checkin.completed",
		"novatrek.safety.wildlife-alert.issued":       "wildlife_alert.issued",
		"novatrek.support.payment.processed":          "payment.processed",
	} {
		if got := (Topic{Name: topic}).EventType(); got != want {
			t.Errorf("EventType(%s) = %q, want %q", topic, got, want)
		}
	}
}
