package event

import (
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// Meta is what a producer knows about an event it is about to emit; Build completes it.
type Meta struct {
	// ID is the event id; empty: a new UUID v4. Producers that must rebuild the same event
	// on a retry or replay derive it (uuid.NewSHA1 of the cause).
	ID string
	// Type is the event type; empty: the topic's (topology.Topic.EventType).
	Type string
	// OccurredAt is when it happened; zero: the now given to Build.
	OccurredAt time.Time
	// Producer is the producing service.
	Producer string
	Lineage
}

// Build returns the metadata of an event on t. Times are UTC milliseconds; an empty
// correlation starts a flow: the event's own id.
func (m Meta) Build(t topology.Topic, now time.Time) schemas.EventMetadata {
	if m.ID == "" {
		m.ID = uuid.NewString()
	}
	if m.Type == "" {
		m.Type = t.EventType()
	}
	if m.OccurredAt.IsZero() {
		m.OccurredAt = now
	}
	if m.Correlation == "" {
		m.Correlation = m.ID
	}
	return schemas.EventMetadata{
		EventID:       m.ID,
		EventType:     m.Type,
		OccurredAt:    m.OccurredAt.UTC().Truncate(time.Millisecond),
		Producer:      m.Producer,
		CorrelationID: m.Correlation,
		CausationID:   m.Causation,
	}
}

// Fill sets only the empty fields of m, as Build would: the rule for events a person wrote
// (`novatrek publish`), whose explicit values win. A set event_id is the correlation default.
func Fill(m *schemas.EventMetadata, t topology.Topic, producer string, now time.Time) {
	d := Meta{ID: m.EventID, Type: m.EventType, OccurredAt: m.OccurredAt, Producer: m.Producer,
		Lineage: Lineage{Correlation: m.CorrelationID, Causation: m.CausationID}}
	if d.Producer == "" {
		d.Producer = producer
	}
	at := m.OccurredAt
	*m = d.Build(t, now)
	if !at.IsZero() {
		m.OccurredAt = at // an explicit time is kept as written
	}
}
