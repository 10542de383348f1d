package testproc_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/testproc"
)

func TestProducerIsStable(t *testing.T) {
	a := testproc.Producer{Seed: "s", Reservations: 10}
	b := testproc.Producer{Seed: "s", Reservations: 10}
	other := testproc.Producer{Seed: "t", Reservations: 10}
	seen := map[string]bool{}
	for i := range 100 {
		ca, cb := a.Created(i), b.Created(i)
		if ca.Metadata.EventID != cb.Metadata.EventID || ca.ReservationID != cb.ReservationID {
			t.Fatalf("event %d differs between producers with the same seed", i)
		}
		if other.Created(i).Metadata.EventID == ca.Metadata.EventID {
			t.Fatalf("event %d has the same id under another seed", i)
		}
		for _, id := range []string{ca.Metadata.EventID, a.StatusChanged(i).Metadata.EventID} {
			if _, err := uuid.Parse(id); err != nil {
				t.Fatalf("event id %q: %v", id, err)
			}
			if seen[id] {
				t.Fatalf("event id %s repeats", id)
			}
			seen[id] = true
		}
		if ca.ReservationID != a.ReservationID(i%10) {
			t.Fatalf("event %d is not keyed by reservation %d", i, i%10)
		}
		if s := a.StatusChanged(i); !s.Metadata.OccurredAt.After(a.Created(99).Metadata.OccurredAt) {
			t.Fatalf("status change %d is not later than every created event", i)
		}
	}
	// A reservation's status changes are in time order by index.
	if !a.StatusChanged(13).Metadata.OccurredAt.After(a.StatusChanged(3).Metadata.OccurredAt) {
		t.Fatal("status changes of reservation 3 are not in time order")
	}
}
