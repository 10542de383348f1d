package notifications

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hamba/avro/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/processors/notifications/contact"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/schemas"
)

// e2eEvent is what the test produces: every generated event type has these.
type e2eEvent interface {
	Schema() avro.Schema
	EventMeta() schemas.EventMetadata
}

// e2eCase is one input of TestEveryEventAndKindEndToEnd and what it must cause.
type e2eCase struct {
	name  string
	topic string
	value e2eEvent
	// kind is the NotificationKind symbol every row and status event must carry.
	kind string
	// want are the "<recipient> <channel>" rows, each delivered to every address of the
	// recipient on that channel (e2ePeople, or the test group directory).
	want []string
}

// fan is every recipient on every channel, as "<recipient> <channel>".
func fan(recipients []string, channels ...provider.Channel) []string {
	var out []string
	for _, r := range recipients {
		for _, ch := range channels {
			out = append(out, r+" "+string(ch))
		}
	}
	return out
}

// e2ePerson is a person's contact details as the test registers them through the API.
type e2ePerson struct {
	caller       string // who may write this type's contacts
	email, phone string
	tokens       []string
}

// TestEveryEventAndKindEndToEnd is the first proof through the real wiring: each of
// the fourteen consumed event types and each request kind, produced to kfake (twice, to show
// idempotency), goes through the intake, the outbox, the dispatcher, Valkey and the
// Watermill workers to the fake providers. For every input the test checks the rows
// (recipients × channels, the kind), what each fake provider accepted for each row (exactly
// the recipient's addresses: the contact API's email and phone, every registered device, the
// test group directory's members; once each) and the in-app inbox, and decodes the PENDING
// and SENT delivery status events from Kafka. Then a push to a guest with an UNREGISTERED
// token reaches the live devices and the dead token is dropped.
func TestEveryEventAndKindEndToEnd(t *testing.T) {
	t.Parallel()
	rs := startDelivering(t)
	ctx, env := rs.ctx, rs.env
	t.Run("subscribes to exactly the topics topics.yaml declares", func(t *testing.T) {
		streamtest.SubscribesAsDeclared(t, env, ServiceName)
	})
	api := "http://" + rs.cfg.HTTPAddr
	uniq := uuid.NewString()[:8]
	name := func(s string) string { return s + "-" + uniq }

	g1, g2 := "GUEST:"+name("g1"), "GUEST:"+name("g2")
	guide1, guide2 := "GUIDE:"+name("gd1"), "GUIDE:"+name("gd2")
	partner, ranger := "PARTNER:"+name("pa1"), "PARK_RANGER:"+name("pr1")
	people := map[string]e2ePerson{
		g1:      {caller: CallerGuestProfiles, email: name("g1") + "@guests.example", phone: "+14155550101", tokens: []string{name("g1-phone"), name("g1-tablet")}},
		g2:      {caller: CallerGuestProfiles, email: name("g2") + "@guests.example", phone: "+14155550102", tokens: []string{name("g2-phone")}},
		guide1:  {caller: CallerScheduling, email: name("gd1") + "@guides.example", phone: "+14155550201", tokens: []string{name("gd1-phone")}},
		guide2:  {caller: CallerScheduling, email: name("gd2") + "@guides.example", phone: "+14155550202", tokens: []string{name("gd2-phone")}},
		partner: {caller: CallerPartners, email: name("pa1") + "@partners.example"},
		ranger:  {caller: CallerTrails, email: name("pr1") + "@parks.example", phone: "+14155550301"},
	}
	for r, p := range people {
		body := map[string]any{"name": r, "email": p.email}
		if p.phone != "" {
			body["phone"] = p.phone
		}
		e2eCall(t, "PUT", api+"/v1/recipients/"+r+"/contact", p.caller, body, http.StatusOK)
		for _, tok := range p.tokens {
			e2eCall(t, "PUT", api+"/v1/recipients/"+r+"/devices/"+url.PathEscape(tok), CallerApp, map[string]string{"platform": "android"}, http.StatusCreated)
		}
	}
	id := func(r string) string { _, v, _ := strings.Cut(r, ":"); return v }

	const (
		ops, safety, rangers = "group:operations-staff", "group:safety-officers", "group:park-rangers"
		rescue, active       = "group:rescue-team", "group:active-guides"
	)
	email, sms, push, inApp := provider.Email, provider.SMS, provider.Push, provider.InApp
	all := []provider.Channel{email, sms, push, inApp}
	meta := func(eventType string) schemas.EventMetadata {
		return schemas.EventMetadata{EventID: uuid.NewString(), EventType: eventType,
			OccurredAt: time.Now().UTC().Truncate(time.Millisecond), Producer: "e2e-test", CorrelationID: uuid.NewString()}
	}
	at := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	ev := func(et string) string { return intake.EventRoutes[et].Topic }
	partnerID := id(partner)
	cases := []e2eCase{
		{name: "reservation.status_changed", topic: ev("reservation.status_changed"), kind: "RESERVATION_STATUS_UPDATE",
			value: &schemas.ReservationStatusChanged{Metadata: meta("reservation.status_changed"), ReservationID: uuid.NewString(),
				GuestID: id(g1), TripID: "trip-1", DepartureDate: at, PreviousStatus: "PENDING", NewStatus: "CONFIRMED"},
			want: fan([]string{g1}, email, push, inApp)},
		{name: "checkin.completed", topic: ev("checkin.completed"), kind: "CHECKIN_CONFIRMATION",
			value: &schemas.CheckinCompleted{Metadata: meta("checkin.completed"), CheckinID: uuid.NewString(), ReservationID: uuid.NewString(),
				GuestID: id(g1), TripID: "trip-1", LocationID: uuid.NewString(), CheckedInAt: at, PartySize: 2, WaiversVerified: true, Method: "KIOSK"},
			want: fan([]string{g1}, email, inApp)},
		{name: "schedule.published", topic: ev("schedule.published"), kind: "GUIDE_ASSIGNMENT",
			value: &schemas.SchedulePublished{Metadata: meta("schedule.published"), ScheduleID: uuid.NewString(), ScheduleDate: at,
				Revision: 1, PublishedBy: "planner", Assignments: []schemas.GuideAssignment{
					{GuideID: id(guide1), TripID: "trip-1", DepartureID: uuid.NewString(), LocationID: uuid.NewString(), StartsAt: at, EndsAt: at.Add(8 * time.Hour), Role: "LEAD"},
					{GuideID: id(guide2), TripID: "trip-1", DepartureID: uuid.NewString(), LocationID: uuid.NewString(), StartsAt: at, EndsAt: at.Add(8 * time.Hour), Role: "LEAD"},
				}},
			want: fan([]string{guide1, guide2}, email, push, inApp)},
		{name: "payment.processed", topic: ev("payment.processed"), kind: "PAYMENT_CONFIRMATION",
			value: &schemas.PaymentProcessed{Metadata: meta("payment.processed"), PaymentID: uuid.NewString(), ReservationID: uuid.NewString(),
				GuestID: id(g1), Amount: schemas.Money{Amount: big.NewRat(12950, 100), Currency: "USD"}, PaymentType: "FULL",
				Method: "CARD", Status: "CAPTURED", Provider: "stripe", ProviderReference: "ch_1", PartnerID: &partnerID},
			want: fan([]string{g1, partner}, email, inApp)},
		{name: "incident.reported", topic: ev("incident.reported"), kind: "SAFETY_ALERT",
			value: &schemas.IncidentReported{Metadata: meta("incident.reported"), IncidentID: uuid.NewString(), Severity: "HIGH",
				Category: "INJURY", IncidentAt: at, ReportedBy: uuid.NewString(), Description: "twisted ankle", InvolvedGuestIds: []string{id(g1)}},
			want: fan([]string{g1, ops, safety}, all...)},
		{name: "emergency.triggered", topic: ev("emergency.triggered"), kind: "EMERGENCY_ALERT",
			value: &schemas.EmergencyTriggered{Metadata: meta("emergency.triggered"), EmergencyID: uuid.NewString(), EmergencyType: "EVACUATION",
				Level: "LEVEL_3", AffectedGuestIds: []string{id(g2)}, AffectedGuideIds: []string{id(guide2)}, TriggeredBy: uuid.NewString(),
				RescueTeamDispatched: true},
			want: fan([]string{g2, guide2, ops, rescue}, all...)},
		{name: "wildlife_alert.issued", topic: ev("wildlife_alert.issued"), kind: "WILDLIFE_ALERT",
			value: &schemas.WildlifeAlertIssued{Metadata: meta("wildlife_alert.issued"), AlertID: uuid.NewString(), Species: "grizzly bear",
				ThreatLevel: "HIGH", SightingPosition: schemas.GeoPoint{Latitude: 51.4, Longitude: -116.2}, RadiusMeters: 500,
				SightedAt: at, ReportedBy: uuid.NewString(), TrailIds: []string{}},
			want: fan([]string{ops, active}, sms, push, inApp)},
		{name: "payment.refunded", topic: ev("payment.refunded"), kind: "REFUND_CONFIRMATION",
			value: &schemas.PaymentRefunded{Metadata: meta("payment.refunded"), RefundID: uuid.NewString(), PaymentID: uuid.NewString(),
				ReservationID: uuid.NewString(), GuestID: id(g1), Amount: schemas.Money{Amount: big.NewRat(5000, 100), Currency: "USD"},
				FullRefund: true, Reason: "GUEST_CANCELLATION", ProviderReference: "re_1"},
			want: fan([]string{g1}, email, inApp)},
		{name: "loyalty_tier.changed", topic: ev("loyalty_tier.changed"), kind: "LOYALTY_TIER_CHANGE",
			value: &schemas.LoyaltyTierChanged{Metadata: meta("loyalty_tier.changed"), GuestID: id(g2), PreviousTier: "EXPLORER",
				NewTier: "TRAILBLAZER", Direction: "PROMOTION", QualifyingPoints: 5200, EffectiveAt: at},
			want: fan([]string{g2}, email, push, inApp)},
		{name: "loyalty_reward.redeemed", topic: ev("loyalty_reward.redeemed"), kind: "LOYALTY_REWARD_REDEMPTION",
			value: &schemas.LoyaltyRewardRedeemed{Metadata: meta("loyalty_reward.redeemed"), RedemptionID: uuid.NewString(), GuestID: id(g2),
				RewardID: "rw-1", RewardName: "Free gear rental", PointsSpent: 1500, BalanceAfter: 700,
				Value: &schemas.Money{Amount: big.NewRat(4000, 100), Currency: "USD"}},
			want: fan([]string{g2}, email, inApp)},
		{name: "weather_alert.issued", topic: ev("weather_alert.issued"), kind: "WEATHER_ALERT",
			value: &schemas.WeatherAlertIssued{Metadata: meta("weather_alert.issued"), AlertID: uuid.NewString(), LocationID: "loc-1",
				AreaCenter: schemas.GeoPoint{Latitude: 36.1, Longitude: -112.1}, RadiusKm: 25, AlertType: "FLASH_FLOOD",
				Severity: "WARNING", Headline: "Flash flood warning", Description: "Heavy rain upstream", StartsAt: at,
				EndsAt: at.Add(6 * time.Hour), Source: "nws", RecommendCancellation: true},
			want: fan([]string{ops, active}, sms, push, inApp)},
		// An update of an alert this service never saw issued is a safety matter.
		{name: "weather_alert.updated", topic: ev("weather_alert.updated"), kind: "WEATHER_ALERT",
			value: &schemas.WeatherAlertUpdated{Metadata: meta("weather_alert.updated"), AlertID: uuid.NewString(), MessageID: uuid.NewString(),
				LocationID: "loc-1", AlertType: "HIGH_WIND", Severity: "WARNING", Headline: "High wind warning", Description: "Gusts to 90 km/h",
				StartsAt: at, EndsAt: at.Add(6 * time.Hour), Source: "nws"},
			want: fan([]string{ops, active}, sms, push, inApp)},
		{name: "weather_alert.cancelled", topic: ev("weather_alert.cancelled"), kind: "WEATHER_ALERT",
			value: &schemas.WeatherAlertCancelled{Metadata: meta("weather_alert.cancelled"), AlertID: uuid.NewString(), MessageID: uuid.NewString(),
				LocationID: "loc-1", CancelledAt: at, Source: "nws"},
			want: fan([]string{ops, active}, email, push, inApp)},
		// A departure of a schedule this service does not know: the groups only.
		{name: "trip_weather_risk.changed", topic: ev("trip_weather_risk.changed"), kind: "WEATHER_ALERT",
			value: &schemas.TripWeatherRiskChanged{Metadata: meta("trip_weather_risk.changed"), DepartureID: uuid.NewString(), TripID: "trip-1",
				LocationID: "loc-1", ScheduleID: uuid.NewString(), Activity: "hiking", StartsAt: at, EndsAt: at.Add(8 * time.Hour),
				Recommendation: "CAUTION", Reasons: []schemas.WeatherRiskReason{{Factor: "wind_kmh", Level: "CAUTION", Value: 45, Threshold: 40}},
				AssessedAt: at},
			want: fan([]string{ops, active}, email, push, inApp)},
	}
	// Every request kind: to a person by id (contact looked up), or, for the kinds that
	// name their own groups, with no recipients (the route's groups).
	person := func(r string) []schemas.Recipient {
		typ, v, _ := strings.Cut(r, ":")
		return []schemas.Recipient{{RecipientType: typ, RecipientID: &v}}
	}
	for _, rq := range []struct {
		kind string
		to   []schemas.Recipient
		want []string
	}{
		{"CHECKIN_CONFIRMATION", person(g2), fan([]string{g2}, email, inApp)},
		{"BOOKING_CONFIRMATION", person(g2), fan([]string{g2}, email, inApp)},
		{"RESERVATION_STATUS_UPDATE", person(g2), fan([]string{g2}, email, push, inApp)},
		{"INSURANCE_CONFIRMATION", person(g2), fan([]string{g2}, email)},
		{"GUIDE_ASSIGNMENT", person(guide1), fan([]string{guide1}, email, push, inApp)},
		{"AFFECTED_PARTIES_UPDATE", person(g2), fan([]string{g2}, email, sms, inApp)},
		{"PARTNER_CONFIRMATION", person(partner), fan([]string{partner}, email)},
		{"WAIVER_COPY", person(g2), fan([]string{g2}, email)},
		{"SAFETY_ALERT", nil, fan([]string{safety}, all...)},
		{"TRANSPORT_DETAILS", person(g2), fan([]string{g2}, email, sms, inApp)},
		{"PARK_RANGER_ALERT", nil, fan([]string{rangers}, sms, email)},
		{"EMERGENCY_ALERT", nil, fan([]string{ops}, all...)},
		{"RESCUE_TEAM_DISPATCH", nil, fan([]string{rescue}, sms, push)},
		{"WILDLIFE_ALERT", nil, fan([]string{ops, active}, sms, push, inApp)},
		{"PAYMENT_CONFIRMATION", person(g2), fan([]string{g2}, email, inApp)},
		{"REFUND_CONFIRMATION", person(g2), fan([]string{g2}, email, inApp)},
		{"LOYALTY_TIER_CHANGE", person(g2), fan([]string{g2}, email, push, inApp)},
		{"LOYALTY_REWARD_REDEMPTION", person(g2), fan([]string{g2}, email, inApp)},
		{"WEATHER_ALERT", nil, fan([]string{ops, active}, sms, push, inApp)},
	} {
		to := rq.to
		if to == nil {
			to = []schemas.Recipient{}
		}
		cases = append(cases, e2eCase{name: "request " + rq.kind, topic: intake.RequestTopic, kind: rq.kind, want: rq.want,
			value: e2eRequest(meta("notification.requested"), rq.kind, to, nil)})
	}
	// A ranger known only by the id another domain registered its contact under.
	cases = append(cases, e2eCase{name: "request PARK_RANGER_ALERT to a ranger by id", topic: intake.RequestTopic, kind: "PARK_RANGER_ALERT",
		want: fan([]string{ranger}, sms, email), value: e2eRequest(meta("notification.requested"), "PARK_RANGER_ALERT", person(ranger), nil)})
	if n := len(intake.KindRoutes); n != 19 {
		t.Fatalf("%d request kinds; the table covers 19", n)
	}

	pool, err := pgxpool.New(ctx, rs.cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	// Produce every input twice: the second copy must change nothing.
	cl := env.Client(t)
	var retried *schemas.NotificationRequested
	var retriedWant int
	var retryEventID string
	sources := make([]string, len(cases))
	total := 0
	for i, c := range cases {
		b, err := env.Serde.Encode(ctx, c.topic, c.value.Schema(), c.value)
		if err != nil {
			t.Fatalf("%s: encode: %v", c.name, err)
		}
		rec := &kgo.Record{Topic: c.topic, Key: []byte(c.value.EventMeta().EventID), Value: b}
		dup := &kgo.Record{Topic: c.topic, Key: rec.Key, Value: b}
		if err := cl.ProduceSync(ctx, rec, dup).FirstErr(); err != nil {
			t.Fatalf("%s: produce: %v", c.name, err)
		}
		// One request is also retried by its caller in a new envelope: a new event id,
		// the same request_id. It must deliver nothing more.
		if req, ok := c.value.(*schemas.NotificationRequested); ok && c.kind == "BOOKING_CONFIRMATION" {
			// A caller retries after its first attempt: the retry, keyed by its own event id,
			// may land on another partition, so it is sent once the original was taken in.
			waitFor(t, rs.done, func() bool {
				var n int
				err := pool.QueryRow(ctx, `SELECT count(*) FROM notifications.intake_log WHERE event_id = $1`, req.Metadata.EventID).Scan(&n)
				return err == nil && n > 0
			})
			again := *req
			again.Metadata = meta("notification.requested")
			again.Metadata.Producer = req.Metadata.Producer
			b, err := env.Serde.Encode(ctx, c.topic, again.Schema(), &again)
			if err != nil {
				t.Fatalf("%s: encode the retry: %v", c.name, err)
			}
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: c.topic, Key: []byte(again.Metadata.EventID), Value: b}).FirstErr(); err != nil {
				t.Fatalf("%s: produce the retry: %v", c.name, err)
			}
			retried, retriedWant, retryEventID = req, len(c.want), again.Metadata.EventID
		}
		sources[i] = c.value.EventMeta().EventID
		total += len(c.want)
	}

	waitFor(t, rs.done, func() bool {
		var done int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM notifications.notifications
			WHERE source_event_id = ANY($1::uuid[]) AND status IN ('sent', 'delivered', 'failed', 'suppressed')`, sources).Scan(&done)
		return err == nil && done >= total
	})

	rows := map[string][]e2eRow{} // by source event id
	q, err := pool.Query(ctx, `SELECT source_event_id::text, id::text, recipient, channel, kind, status
		FROM notifications.notifications WHERE source_event_id = ANY($1::uuid[])`, sources)
	if err != nil {
		t.Fatal(err)
	}
	all2, err := pgx.CollectRows(q, pgx.RowToStructByPos[e2eRow])
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all2 {
		rows[r.Source] = append(rows[r.Source], r)
	}
	events := e2eStatusEvents(t, rs, pool, all2)
	inbox := e2eInbox(t, pool)

	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, r := range rows[sources[i]] {
				got = append(got, r.Recipient+" "+r.Channel)
				if r.Kind != c.kind {
					t.Errorf("row %s kind %s, want %s", r.ID, r.Kind, c.kind)
				}
				if r.Status != "sent" && r.Status != "delivered" {
					t.Errorf("row %s (%s %s) ended %s, want sent or delivered", r.ID, r.Recipient, r.Channel, r.Status)
				}
				want := e2eAddresses(t, r.Recipient, provider.Channel(r.Channel), people)
				if accepted := e2eAccepted(rs.fake, inbox, r); !slices.Equal(accepted, want) {
					t.Errorf("%s %s (row %s): the %s provider accepted %q, want %q (once each)", r.Recipient, r.Channel, r.ID, r.Channel, accepted, want)
				}
				count := map[string]int{}
				var statuses []string
				for _, e := range events[r.ID] {
					count[e.Status]++
					statuses = append(statuses, e.Status)
					if e.Kind != c.kind || e.Channel != e2eChannelSymbols[r.Channel] {
						t.Errorf("status event %+v: want kind %s, channel %s", e, c.kind, e2eChannelSymbols[r.Channel])
					}
				}
				// Exactly one of each: the topic is read to its end, so a duplicate shows.
				if count["PENDING"] != 1 || count["SENT"] != 1 || count["DELIVERED"] > 1 || len(statuses) != count["PENDING"]+count["SENT"]+count["DELIVERED"] {
					t.Errorf("row %s status events %v, want exactly one PENDING and one SENT (and at most one DELIVERED)", r.ID, statuses)
				}
			}
			sort.Strings(got)
			want := slices.Clone(c.want)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("rows (recipient channel):\n got %q\nwant %q", got, want)
			}
		})
	}

	t.Run("request retried in a new envelope delivers nothing more", func(t *testing.T) {
		if retried == nil {
			t.Fatal("no BOOKING_CONFIRMATION request was produced")
		}
		waitFor(t, rs.done, func() bool {
			var n int
			err := pool.QueryRow(ctx, `SELECT count(*) FROM notifications.intake_log WHERE event_id = $1`, retryEventID).Scan(&n)
			return err == nil && n > 0
		})
		var rowsOfRequest, rowsOfRetry int
		if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE request_id = $1), count(*) FILTER (WHERE source_event_id = $2)
			FROM notifications.notifications`, retried.RequestID, retryEventID).Scan(&rowsOfRequest, &rowsOfRetry); err != nil {
			t.Fatal(err)
		}
		// The first envelope's rows were each accepted by their provider once (above); the
		// retry made no rows, so nothing else was sent.
		if rowsOfRequest != retriedWant || rowsOfRetry != 0 {
			t.Errorf("request %s: %d rows (%d from the retried envelope), want %d and none", retried.RequestID,
				rowsOfRequest, rowsOfRetry, retriedWant)
		}
	})

	t.Run("push skips and forgets an UNREGISTERED device", func(t *testing.T) {
		dead := name("g1-uninstalled")
		e2eCall(t, "PUT", api+"/v1/recipients/"+g1+"/devices/"+url.PathEscape(dead), CallerApp, nil, http.StatusCreated)
		rs.fake.FCM.Reject(dead)
		req := e2eRequest(meta("notification.requested"), "RESERVATION_STATUS_UPDATE", person(g1), []string{"PUSH"})
		b, err := env.Serde.Encode(ctx, intake.RequestTopic, req.Schema(), req)
		if err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: intake.RequestTopic, Key: []byte(req.ReferenceID), Value: b}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		var r e2eRow
		waitFor(t, rs.done, func() bool {
			err := pool.QueryRow(ctx, `SELECT source_event_id::text, id::text, recipient, channel, kind, status
				FROM notifications.notifications WHERE source_event_id = $1`, req.Metadata.EventID).Scan(
				&r.Source, &r.ID, &r.Recipient, &r.Channel, &r.Kind, &r.Status)
			return err == nil && r.Status != "pending" && r.Status != "queued"
		})
		if r.Status != "sent" {
			t.Fatalf("push row ended %s, want sent (two live devices)", r.Status)
		}
		if accepted := e2eAccepted(rs.fake, nil, r); !slices.Equal(accepted, e2eAddresses(t, g1, push, people)) {
			t.Errorf("FCM accepted %q, want the live devices %q", accepted, e2eAddresses(t, g1, push, people))
		}
		refused := 0
		for _, call := range rs.fake.FCM.Calls() {
			if call.Recipient == dead && call.Status == http.StatusNotFound {
				refused++
			}
		}
		if refused != 1 {
			t.Errorf("FCM refused the dead token %d times, want 1", refused)
		}
		devs := decodeJSON[devicesPage](t, e2eCall(t, "GET", api+"/v1/recipients/"+g1+"/devices", CallerApp, nil, http.StatusOK))
		if len(devs.Devices) != 2 || slices.ContainsFunc(devs.Devices, func(d contact.Device) bool { return d.Token == dead }) {
			t.Errorf("devices after UNREGISTERED: %+v; want the two live ones", devs.Devices)
		}
	})

	if err := rs.stop(); err != nil {
		t.Fatalf("Run after cancel = %v; want nil", err)
	}
}

// e2eRow is a notification row the test reads back.
type e2eRow struct {
	Source, ID, Recipient, Channel, Kind, Status string
}

func e2eRequest(meta schemas.EventMetadata, kind string, to []schemas.Recipient, channels []string) *schemas.NotificationRequested {
	if channels == nil {
		channels = []string{}
	}
	return &schemas.NotificationRequested{Metadata: meta, RequestID: uuid.NewString(), Kind: kind, ReferenceID: uuid.NewString(),
		Recipients: to, Channels: channels, TemplateData: map[string]string{}, Urgency: "NORMAL", Attachments: []schemas.Attachment{}}
}

// e2eAddresses are where recipient's notifications on ch must go, sorted: a person's
// registered details, a group's members in the test directory, the recipient itself in-app.
func e2eAddresses(t *testing.T, recipient string, ch provider.Channel, people map[string]e2ePerson) []string {
	var out []string
	switch {
	case strings.HasPrefix(recipient, "group:"):
		for _, a := range testDirectory(t)[recipient][ch] {
			out = append(out, a.To)
		}
	case ch == provider.InApp:
		out = []string{recipient}
	case ch == provider.Email:
		out = []string{people[recipient].email}
	case ch == provider.SMS:
		out = []string{people[recipient].phone}
	case ch == provider.Push:
		out = slices.Clone(people[recipient].tokens)
	}
	sort.Strings(out)
	return out
}

// e2eAccepted are the addresses the channel's fake provider accepted (or the inbox stored)
// for row r, sorted, one entry per accepted call: a duplicate delivery shows twice.
func e2eAccepted(fake *providerfake.Server, inbox map[string][]string, r e2eRow) []string {
	ours := func(ref string) bool { return ref == r.ID || strings.HasPrefix(ref, r.ID+"/") }
	var calls []providerfake.Call
	switch provider.Channel(r.Channel) {
	case provider.Email:
		calls = fake.SendGrid.Calls()
	case provider.SMS:
		calls = fake.Twilio.Calls()
	case provider.Push:
		calls = fake.FCM.Calls()
	case provider.InApp:
		out := slices.Clone(inbox[r.ID])
		sort.Strings(out)
		return out
	}
	var out []string
	for _, c := range calls {
		if c.Accepted() && ours(c.Ref) {
			out = append(out, c.Recipient)
		}
	}
	sort.Strings(out)
	return out
}

// e2eInbox maps notification id → the recipients of its in-app messages (ref is the
// notification id, or id/member for a group).
func e2eInbox(t *testing.T, pool *pgxpool.Pool) map[string][]string {
	t.Helper()
	q, err := pool.Query(t.Context(), `SELECT ref, recipient FROM notifications.inapp_messages`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var ref, recipient string
	if _, err := pgx.ForEachRow(q, []any{&ref, &recipient}, func() error {
		id, _, _ := strings.Cut(ref, "/")
		out[id] = append(out[id], recipient)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// e2eStatusEvents reads the whole status topic, decoding each record with the generated
// reader schema. Every row is final when it is called, so its PENDING and SENT events were
// enqueued (in the same transactions); once the outbox holds no status event the topic has
// them all, and the test reads up to the end offsets it lists then, so a duplicate event
// would be seen, not cut off.
func e2eStatusEvents(t *testing.T, rs running, pool *pgxpool.Pool, rows []e2eRow) map[string][]schemas.NotificationDeliveryStatusChanged {
	t.Helper()
	want := map[string]bool{}
	for _, r := range rows {
		want[r.ID] = true
	}
	ctx, cancel := context.WithTimeout(rs.ctx, time.Minute)
	defer cancel()
	waitFor(t, rs.done, func() bool {
		var n int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM notifications.outbox WHERE topic = $1`, intake.StatusTopic).Scan(&n)
		return err == nil && n == 0
	})
	ends, err := kadm.NewClient(rs.env.Client(t)).ListEndOffsets(ctx, intake.StatusTopic)
	if err != nil {
		t.Fatalf("list end offsets of %s: %v", intake.StatusTopic, err)
	}
	remaining := map[int32]int64{} // partition → end offset not yet reached
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			remaining[o.Partition] = o.Offset
		}
	})
	consumer := rs.env.Client(t, kgo.ConsumeTopics(intake.StatusTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	out := map[string][]schemas.NotificationDeliveryStatusChanged{}
	for len(remaining) > 0 {
		fs := consumer.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("reading status events (%d partitions not read to their end): %v", len(remaining), err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if end, ok := remaining[r.Partition]; ok && r.Offset+1 >= end {
				delete(remaining, r.Partition)
			}
			var ev schemas.NotificationDeliveryStatusChanged
			if err := rs.env.Serde.Decode(ctx, r.Value, ev.Schema(), &ev); err != nil {
				t.Fatalf("decode status event: %v", err)
			}
			if !want[ev.NotificationID] {
				return
			}
			out[ev.NotificationID] = append(out[ev.NotificationID], ev)
		})
	}
	return out
}

// e2eCall sends an API request as caller and fails the test unless it answers want.
func e2eCall(t *testing.T, method, u, caller string, body any, want int) []byte {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken(caller))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s as %s: %d, want %d: %s", method, u, caller, resp.StatusCode, want, b)
	}
	return b
}

// e2eChannelSymbols are the NotificationChannel symbols of the rows' channels.
var e2eChannelSymbols = map[string]string{"email": "EMAIL", "sms": "SMS", "push": "PUSH", "in_app": "IN_APP"}
