package publish

import (
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/topology"
	"github.com/novatrek/support/schemas"
)

// defaults is the metadata an event on t gets for the fields it lacks.
func (p *Publisher) defaults(t topology.Topic) schemas.EventMetadata {
	id := uuid.NewString()
	return schemas.EventMetadata{
		EventID:       id,
		EventType:     t.EventType(),
		OccurredAt:    p.now().UTC().Truncate(time.Millisecond),
		Producer:      p.producer,
		CorrelationID: id,
	}
}

// fill sets the empty fields of m from the defaults; a set event_id is the correlation id
// default, so a first event's correlation is its own id.
func (p *Publisher) fill(m *schemas.EventMetadata, t topology.Topic) {
	d := p.defaults(t)
	if m.EventID == "" {
		m.EventID = d.EventID
	}
	if m.EventType == "" {
		m.EventType = d.EventType
	}
	if m.OccurredAt.IsZero() {
		m.OccurredAt = d.OccurredAt
	}
	if m.Producer == "" {
		m.Producer = d.Producer
	}
	if m.CorrelationID == "" {
		m.CorrelationID = m.EventID
	}
}

// fillJSON does what fill does on a decoded JSON object's "metadata" member, creating it when
// absent. Values of the wrong type are left for the schema check to report.
func (p *Publisher) fillJSON(obj map[string]any, t topology.Topic) {
	raw, present := obj[schemas.MetadataField]
	if present && raw != nil {
		if _, ok := raw.(map[string]any); !ok {
			return
		}
	}
	m, _ := raw.(map[string]any)
	if m == nil {
		m = map[string]any{}
		obj[schemas.MetadataField] = m
	}
	d := p.defaults(t)
	set := func(k string, v any) {
		if cur, ok := m[k]; !ok || cur == nil || cur == "" {
			m[k] = v
		}
	}
	set("event_id", d.EventID)
	set("event_type", d.EventType)
	set("occurred_at", d.OccurredAt.Format(time.RFC3339Nano))
	set("producer", d.Producer)
	set("correlation_id", m["event_id"])
}
