package event_test

import (
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/schemas"
)

func TestKey(t *testing.T) {
	t.Parallel()
	id := "g-1"
	if k, err := event.Key(&schemas.GuestRegistered{GuestID: id}, "guest_id"); err != nil || k != id {
		t.Fatalf("Key guest_id = %q, %v", k, err)
	}
	if _, err := event.Key(&schemas.GuestRegistered{}, "guest_id"); err == nil {
		t.Fatal("empty key accepted")
	}
	if _, err := event.Key(&schemas.GuestRegistered{GuestID: id}, "reservation_id"); err == nil {
		t.Fatal("missing field accepted")
	}
	var none *schemas.GuestRegistered
	if _, err := event.Key(none, "guest_id"); err == nil {
		t.Fatal("nil event accepted")
	}
}

// TestRouteChecksTheProducer: only a producer topics.yaml lists may emit on a topic.
func TestRouteChecksTheProducer(t *testing.T) {
	t.Parallel()
	ev := &schemas.ReservationCreated{ReservationID: "r-1"}
	if k, err := event.Route(created, ev, "svc-reservations"); err != nil || k != "r-1" {
		t.Errorf("Route = %q, %v", k, err)
	}
	_, err := event.Route(created, ev, "svc-payments")
	if err == nil || !strings.Contains(err.Error(), "svc-payments is not a producer of novatrek.booking.reservation.created") {
		t.Errorf("foreign producer: %v", err)
	}
}
