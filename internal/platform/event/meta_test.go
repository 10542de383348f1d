package event_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

var created = topology.Topic{Name: "novatrek.booking.reservation.created", Key: "reservation_id",
	Producers: []string{"svc-reservations"}}

// TestBuildDefaults: an event of which the producer knows nothing gets a new v4 id, the
// topic's type, now in UTC milliseconds, and starts a flow (correlation = its id, no causation).
func TestBuildDefaults(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 1, 10, 0, 0, 123456789, time.FixedZone("MDT", -6*3600))
	m := event.Meta{Producer: "svc-reservations"}.Build(created, now)
	id, err := uuid.Parse(m.EventID)
	if err != nil || id.Version() != 4 {
		t.Errorf("event id %q: want a uuid v4 (%v)", m.EventID, err)
	}
	want := schemas.EventMetadata{EventID: m.EventID, EventType: "reservation.created",
		OccurredAt: time.Date(2026, 7, 1, 16, 0, 0, 123000000, time.UTC), Producer: "svc-reservations",
		CorrelationID: m.EventID}
	if m.CausationID != nil || m.OccurredAt.Location() != time.UTC || m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
}

// TestBuildKeepsWhatTheProducerKnows: a derived id, a type, a time and a lineage are kept.
func TestBuildKeepsWhatTheProducerKnows(t *testing.T) {
	t.Parallel()
	cause := "c0ffee00-0000-4000-8000-000000000001"
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := event.Meta{ID: "id-1", Type: "custom.type", OccurredAt: at, Producer: "p",
		Lineage: event.Lineage{Correlation: "flow-1", Causation: &cause}}.Build(created, at.Add(time.Hour))
	if m.EventID != "id-1" || m.EventType != "custom.type" || !m.OccurredAt.Equal(at) || m.Producer != "p" ||
		m.CorrelationID != "flow-1" || m.CausationID == nil || *m.CausationID != cause {
		t.Errorf("got %+v", m)
	}
}

// TestFillSetsOnlyEmptyFields: publish's rule — written values win, an explicit time is kept
// as written, a written event id is the correlation default.
func TestFillSetsOnlyEmptyFields(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	at := time.Date(2026, 6, 1, 0, 0, 0, 999999999, time.UTC)
	m := schemas.EventMetadata{EventID: "mine", OccurredAt: at}
	event.Fill(&m, created, "novatrek", now)
	want := schemas.EventMetadata{EventID: "mine", EventType: "reservation.created", OccurredAt: at,
		Producer: "novatrek", CorrelationID: "mine"}
	if m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
	var empty schemas.EventMetadata
	event.Fill(&empty, created, "novatrek", now)
	if empty.EventID == "" || empty.CorrelationID != empty.EventID || !empty.OccurredAt.Equal(now) {
		t.Errorf("empty metadata filled as %+v", empty)
	}
}
