package simulate

import (
	"time"

	"github.com/novatrek/support/schemas"
)

// request publishes a notification.requested command from producer (one of the topic's
// producers: the other domains' "Async: Yes" calls), about reference (a reservation,
// schedule, incident, ... id: the record key). Channels are left empty so the recipients'
// preferences decide, as most callers do.
func (g *Generator) request(now time.Time, producer, kind, reference string, f *flow, urgency string, data map[string]string, to ...schemas.Recipient) (Event, error) {
	if data == nil {
		data = map[string]string{}
	}
	if to == nil {
		to = []schemas.Recipient{}
	}
	for _, r := range to {
		if r.RecipientID != nil {
			g.named(r.RecipientType, *r.RecipientID)
		}
	}
	ev := &schemas.NotificationRequested{
		RequestID: g.id("request"), Kind: kind, ReferenceID: reference, Recipients: to,
		Channels: []string{}, TemplateData: data, Urgency: urgency, Attachments: []schemas.Attachment{},
	}
	return g.emitAs(now, producer, f, &ev.Metadata, ev)
}

func guestTo(id string) schemas.Recipient {
	return schemas.Recipient{RecipientType: "GUEST", RecipientID: &id}
}

// metric publishes an analytics.metric_logged command of the orchestrator's run.
func (g *Generator) metric(now time.Time, f *flow, run, name string, value float64, unit string, dims map[string]string) (Event, error) {
	ev := &schemas.AnalyticsMetricLogged{
		RunID: run, MetricName: name, Value: value, Unit: &unit, Dimensions: dims, MeasuredAt: now,
	}
	return g.emit(now, f, &ev.Metadata, ev)
}
