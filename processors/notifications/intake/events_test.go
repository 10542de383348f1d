package intake_test

import (
	"math/big"
	"time"

	"github.com/google/uuid"
	"github.com/hamba/avro/v2"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/schemas"
)

var testSpace = uuid.MustParse("3d1f6a2b-7c4e-4b8a-9e0f-1a2b3c4d5e6f")

// id derives a stable uuid from a name, so events and expectations agree.
func id(name string) string { return uuid.NewSHA1(testSpace, []byte(name)).String() }

func meta(name, eventType string) schemas.EventMetadata {
	return schemas.EventMetadata{
		EventID: id("event/" + name), EventType: eventType,
		OccurredAt: time.Date(2026, 1, 15, 3, 0, 0, 0, time.UTC), Producer: "intake-test",
		CorrelationID: id("correlation/" + name),
	}
}

// input is an event to produce: topic, key and value.
type input struct {
	topic, key string
	schema     avro.Schema
	value      any
	eventID    string
}

func in[T interface {
	Schema() avro.Schema
	EventMeta() schemas.EventMetadata
}](topic, key string, v T) input {
	return input{topic: topic, key: key, schema: v.Schema(), value: v, eventID: v.EventMeta().EventID}
}

func (i input) event() streamtest.Event {
	return streamtest.Event{Key: i.key, EventID: i.eventID, Schema: i.schema, Value: i.value}
}

func str(s string) *string { return &s }

func statusChanged(name, guest string) *schemas.ReservationStatusChanged {
	return &schemas.ReservationStatusChanged{
		Metadata: meta(name, "reservation.status_changed"), ReservationID: id("res/" + name), GuestID: guest,
		TripID: "trip-1", DepartureDate: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
		PreviousStatus: "PENDING", NewStatus: "CONFIRMED",
	}
}

func checkin(name, guest string) *schemas.CheckinCompleted {
	return &schemas.CheckinCompleted{
		Metadata: meta(name, "checkin.completed"), CheckinID: id("checkin/" + name), ReservationID: id("res/" + name),
		GuestID: guest, TripID: "trip-1", LocationID: id("loc"), CheckedInAt: time.Date(2026, 1, 15, 8, 0, 0, 0, time.UTC),
		PartySize: 2, WaiversVerified: true, Method: "KIOSK",
	}
}

func schedule(name string, guides ...string) *schemas.SchedulePublished {
	ev := &schemas.SchedulePublished{
		Metadata: meta(name, "schedule.published"), ScheduleID: id("sched/" + name),
		ScheduleDate: time.Date(2026, 1, 16, 0, 0, 0, 0, time.UTC), Revision: 1, PublishedBy: "planner",
	}
	for _, g := range guides {
		ev.Assignments = append(ev.Assignments, schemas.GuideAssignment{GuideID: g, TripID: "trip-1",
			DepartureID: id("dep"), LocationID: id("loc"), StartsAt: time.Date(2026, 1, 16, 8, 0, 0, 0, time.UTC),
			EndsAt: time.Date(2026, 1, 16, 16, 0, 0, 0, time.UTC), Role: "LEAD"})
	}
	return ev
}

func payment(name, guest string, partner *string) *schemas.PaymentProcessed {
	return &schemas.PaymentProcessed{
		Metadata: meta(name, "payment.processed"), PaymentID: id("pay/" + name), ReservationID: id("res/" + name),
		GuestID: guest, Amount: schemas.Money{Amount: big.NewRat(12950, 100), Currency: "USD"},
		PaymentType: "FULL", Method: "CARD", Status: "CAPTURED", Provider: "stripe", ProviderReference: "ch_1",
		PartnerID: partner,
	}
}

func incident(name string, guests ...string) *schemas.IncidentReported {
	return &schemas.IncidentReported{
		Metadata: meta(name, "incident.reported"), IncidentID: id("inc/" + name), Severity: "HIGH", Category: "INJURY",
		IncidentAt: time.Date(2026, 1, 15, 2, 0, 0, 0, time.UTC), ReportedBy: id("guide-a"),
		Description: "twisted ankle", InvolvedGuestIds: guests,
	}
}

func emergency(name string, rescue bool, guests, guides []string) *schemas.EmergencyTriggered {
	return &schemas.EmergencyTriggered{
		Metadata: meta(name, "emergency.triggered"), EmergencyID: id("em/" + name), EmergencyType: "EVACUATION",
		Level: "LEVEL_3", AffectedGuestIds: guests, AffectedGuideIds: guides, TriggeredBy: id("staff"),
		RescueTeamDispatched: rescue, Instructions: str("Shelter in place."),
	}
}

func wildlife(name string) *schemas.WildlifeAlertIssued {
	return &schemas.WildlifeAlertIssued{
		Metadata: meta(name, "wildlife_alert.issued"), AlertID: id("wild/" + name), Species: "grizzly bear",
		ThreatLevel: "HIGH", SightingPosition: schemas.GeoPoint{Latitude: 51.4, Longitude: -116.2}, RadiusMeters: 500,
		SightedAt: time.Date(2026, 1, 15, 2, 30, 0, 0, time.UTC), ReportedBy: id("ranger"), TrailIds: []string{},
	}
}

func request(name, kind string, urgency string, rs ...schemas.Recipient) *schemas.NotificationRequested {
	return &schemas.NotificationRequested{
		Metadata: meta(name, "notification.requested"), RequestID: id("req/" + name), Kind: kind,
		ReferenceID: id("ref/" + name), Recipients: rs, Channels: []string{}, TemplateData: map[string]string{},
		Urgency: urgency, Attachments: []schemas.Attachment{},
	}
}

func guest(gid string) schemas.Recipient {
	return schemas.Recipient{RecipientType: "GUEST", RecipientID: str(gid)}
}
