package publish

import (
	"time"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// fill sets the empty metadata fields of ev by package event's rules (event.Fill): what a
// person or a program left out is stamped, what they wrote is kept.
func (p *Publisher) fill(ev schemas.Event, t topology.Topic) {
	m := ev.EventMeta()
	event.Fill(&m, t, p.producer, p.now())
	ev.SetEventMeta(m)
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
	d := event.Meta{Producer: p.producer}.Build(t, p.now())
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
