package intake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/schemas"
)

// Each handler maps its event's fields to recipient sources and template data; the routing
// table says what to do with them. Template data values are strings, formatted here once.

func (in *Intake) reservationStatusChanged(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationStatusChanged]) error {
	v := &ev.Value
	return in.event(ctx, tx, ev.Meta, ev.Topic, "reservation.status_changed", fields{
		SourceGuest: people("GUEST", v.GuestID),
	}, map[string]any{
		"reservation_id": v.ReservationID, "trip_id": v.TripID, "departure_date": date(v.DepartureDate),
		"previous_status": v.PreviousStatus, "new_status": v.NewStatus, "reason": deref(v.Reason),
	})
}

func (in *Intake) checkinCompleted(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.CheckinCompleted]) error {
	v := &ev.Value
	return in.event(ctx, tx, ev.Meta, ev.Topic, "checkin.completed", fields{
		SourceGuest: people("GUEST", v.GuestID),
	}, map[string]any{
		"reservation_id": v.ReservationID, "trip_id": v.TripID, "party_size": strconv.Itoa(v.PartySize),
		"checked_in_at": stamp(v.CheckedInAt),
	})
}

func (in *Intake) schedulePublished(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.SchedulePublished]) error {
	v := &ev.Value
	guides := make([]string, 0, len(v.Assignments))
	for _, a := range v.Assignments {
		guides = append(guides, a.GuideID)
	}
	if err := recordDepartureGuides(ctx, tx, v); err != nil {
		return err
	}
	return in.event(ctx, tx, ev.Meta, ev.Topic, "schedule.published", fields{
		SourceAssignedGuides: people("GUIDE", guides...),
	}, map[string]any{
		"schedule_id": v.ScheduleID, "schedule_date": date(v.ScheduleDate), "revision": strconv.Itoa(v.Revision),
		"assignments": strconv.Itoa(len(v.Assignments)),
	})
}

func (in *Intake) paymentProcessed(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.PaymentProcessed]) error {
	v := &ev.Value
	return in.event(ctx, tx, ev.Meta, ev.Topic, "payment.processed", fields{
		SourceGuest:   people("GUEST", v.GuestID),
		SourcePartner: people("PARTNER", deref(v.PartnerID)),
	}, map[string]any{
		"payment_id": v.PaymentID, "reservation_id": v.ReservationID, "amount": money(v.Amount),
		"status": v.Status, "payment_type": v.PaymentType,
	})
}

func (in *Intake) incidentReported(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.IncidentReported]) error {
	v := &ev.Value
	return in.event(ctx, tx, ev.Meta, ev.Topic, "incident.reported", fields{
		SourceInvolvedGuests: people("GUEST", v.InvolvedGuestIds...),
	}, map[string]any{
		"incident_id": v.IncidentID, "severity": v.Severity, "category": v.Category,
		"incident_at": stamp(v.IncidentAt), "description": v.Description,
	})
}

func (in *Intake) emergencyTriggered(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.EmergencyTriggered]) error {
	v := &ev.Value
	f := fields{
		SourceAffectedGuests: people("GUEST", v.AffectedGuestIds...),
		SourceAffectedGuides: people("GUIDE", v.AffectedGuideIds...),
	}
	if v.RescueTeamDispatched {
		g, _ := groupRecipient(SourceRescueTeam)
		f[SourceRescueTeamIfDispatched] = []recipient{g}
	}
	return in.event(ctx, tx, ev.Meta, ev.Topic, "emergency.triggered", f, map[string]any{
		"emergency_id": v.EmergencyID, "emergency_type": v.EmergencyType, "level": v.Level,
		"instructions": deref(v.Instructions),
	})
}

func (in *Intake) wildlifeAlertIssued(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.WildlifeAlertIssued]) error {
	v := &ev.Value
	return in.event(ctx, tx, ev.Meta, ev.Topic, "wildlife_alert.issued", fields{}, map[string]any{
		"alert_id": v.AlertID, "species": v.Species, "threat_level": v.ThreatLevel,
		"radius_meters": strconv.Itoa(v.RadiusMeters), "guidance": deref(v.Guidance),
	})
}

// requested handles a NotificationRequested command: the request's recipients (or the
// route's fallback groups), its channels (or the route's), its data and locale.
func (in *Intake) requested(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.NotificationRequested]) error {
	v := &ev.Value
	route, ok := KindRoutes[v.Kind]
	if !ok {
		return stream.Permanent(fmt.Errorf("notification request %s: kind %q has no route (a newer producer's kind?): redrive after upgrading", v.RequestID, v.Kind))
	}
	route.Kind = v.Kind
	rs := requestRecipients(v.Recipients)
	if len(rs) == 0 {
		rs = fields{}.resolve(route.Recipients)
	}
	if chs := requestChannels(v.Channels); len(chs) > 0 {
		route.Channels = chs
	}
	if v.TemplateID != nil && *v.TemplateID != "" {
		route.Template = *v.TemplateID
	}
	data := make(map[string]any, len(v.TemplateData)+2)
	for k, val := range v.TemplateData {
		data[k] = val
	}
	data["reference_id"], data["kind"] = v.ReferenceID, v.Kind
	requestID := v.RequestID
	it := intent{
		cause: ev.Meta, topic: ev.Topic, requestID: &requestID, route: route, recipients: rs, data: data,
		locale: deref(v.Locale), notBefore: v.NotBefore,
	}
	// CRITICAL chooses the emergency lane only; whether preferences are bypassed is the
	// route's category's business (see decide).
	if v.Urgency == "CRITICAL" {
		it.route.Priority = PriorityEmergency
	}
	return in.apply(ctx, tx, it)
}

// event applies the route of eventType.
func (in *Intake) event(ctx context.Context, tx pgx.Tx, meta schemas.EventMetadata, topic, eventType string, f fields, data map[string]any) error {
	return in.judged(ctx, tx, meta, topic, eventType, true, f, data)
}

// judged applies the route of eventType, or its Informational route when the handler judged
// the event not a safety matter (safety false).
func (in *Intake) judged(ctx context.Context, tx pgx.Tx, meta schemas.EventMetadata, topic, eventType string, safety bool, f fields, data map[string]any) error {
	r, ok := EventRoutes[eventType]
	if !ok { // a programming error: every handler's type is in the table (tested)
		return stream.Permanent(errors.New("intake: no route for event type " + eventType))
	}
	route := r.Route
	if !safety && r.Informational != nil {
		route = *r.Informational
	}
	return in.apply(ctx, tx, intent{
		cause: meta, topic: topic, route: route, recipients: f.resolve(route.Recipients), data: data,
	})
}

// requestChannels maps the request's NotificationChannel symbols; UNKNOWN (a newer channel)
// is dropped, and duplicates too.
func requestChannels(symbols []string) []provider.Channel {
	var out []provider.Channel
	for _, s := range symbols {
		var ch provider.Channel
		switch s {
		case "EMAIL":
			ch = provider.Email
		case "SMS":
			ch = provider.SMS
		case "PUSH":
			ch = provider.Push
		case "IN_APP":
			ch = provider.InApp
		default:
			continue
		}
		if !slices.Contains(out, ch) {
			out = append(out, ch)
		}
	}
	return out
}

func date(t time.Time) string  { return t.UTC().Format(time.DateOnly) }
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func money(m schemas.Money) string {
	if m.Amount == nil {
		return m.Currency
	}
	return m.Amount.FloatString(2) + " " + m.Currency
}
