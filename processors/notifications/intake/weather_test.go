package intake_test

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/schemas"
)

func alertIssued(name, alert, severity string) *schemas.WeatherAlertIssued {
	return &schemas.WeatherAlertIssued{
		Metadata: meta(name, "weather_alert.issued"), AlertID: id("alert/" + alert), LocationID: "loc-wx",
		AreaCenter: schemas.GeoPoint{Latitude: 36.1, Longitude: -112.1}, RadiusKm: 25, AlertType: "FLASH_FLOOD",
		Severity: severity, Headline: "Flash flood " + strings.ToLower(severity), Description: "Heavy rain upstream",
		StartsAt: testNow, EndsAt: testNow.Add(6 * time.Hour), Source: "nws",
	}
}

// alertUpdated is an update of alert sent minutes after testNow (later updates later).
func alertUpdated(name, alert, severity string, minutes int, recommend bool) *schemas.WeatherAlertUpdated {
	m := meta(name, "weather_alert.updated")
	m.OccurredAt = m.OccurredAt.Add(time.Duration(minutes) * time.Minute)
	return &schemas.WeatherAlertUpdated{
		Metadata: m, AlertID: id("alert/" + alert), MessageID: id("msg/" + name), LocationID: "loc-wx",
		AlertType: "FLASH_FLOOD", Severity: severity, Headline: "Flash flood " + strings.ToLower(severity),
		Description: "Rain heavier than forecast", StartsAt: testNow, EndsAt: testNow.Add(8 * time.Hour),
		Source: "nws", RecommendCancellation: recommend,
	}
}

func tripRisk(name, scheduleID, recommendation string, previous *string) *schemas.TripWeatherRiskChanged {
	return &schemas.TripWeatherRiskChanged{
		Metadata: meta(name, "trip_weather_risk.changed"), DepartureID: id("dep"), TripID: "trip-1", LocationID: id("loc"),
		ScheduleID: scheduleID, Activity: "rafting", StartsAt: testNow.Add(5 * time.Hour), EndsAt: testNow.Add(13 * time.Hour),
		Recommendation: recommendation, PreviousRecommendation: previous,
		Reasons:    []schemas.WeatherRiskReason{{Factor: "gust_kmh", Level: "CANCEL_RECOMMENDED", Value: 82, Threshold: 70, Detail: "afternoon gusts"}},
		AssessedAt: testNow,
	}
}

// TestWeatherFollowUps: svc-weather's updates, cancellations and trip risks reach the
// operations staff and guides on duty, and a trip risk also the departure's guides known from
// schedule.published. An update that raises the alert, an update of an alert never seen, and
// CANCEL_RECOMMENDED go in the safety route (SMS, emergency lane); a lower update, a
// cancellation and a GO after a cancel recommendation are information (e-mail, routine lane).
func TestWeatherFollowUps(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	wx := func(et string) string { return intake.EventRoutes[et].Topic }
	guideA, guideB := id("wx-guide-a"), id("wx-guide-b")
	sched := schedule("wx-sched", guideA, guideB)
	issued := alertIssued("wx-issued", "a", "WARNING")
	r.produce(in(wx("schedule.published"), "k", sched), in(wx("weather_alert.issued"), "loc-wx", issued))
	r.WaitApplied(sched.Metadata.EventID)
	r.WaitApplied(issued.Metadata.EventID)

	lower := alertUpdated("wx-lower", "a", "WATCH", 1, false)
	higher := alertUpdated("wx-higher", "a", "EMERGENCY", 2, false)
	recommends := alertUpdated("wx-recommends", "a", "EMERGENCY", 3, true)
	unseen := alertUpdated("wx-unseen", "b", "ADVISORY", 1, false)
	cancelled := &schemas.WeatherAlertCancelled{Metadata: meta("wx-cancelled", "weather_alert.cancelled"), AlertID: id("alert/a"),
		MessageID: id("msg/wx-cancelled"), LocationID: "loc-wx", CancelledAt: testNow.Add(time.Hour), Source: "nws"}
	cancel := tripRisk("wx-cancel", sched.ScheduleID, "CANCEL_RECOMMENDED", str("CAUTION"))
	goAgain := tripRisk("wx-go", sched.ScheduleID, "GO", str("CANCEL_RECOMMENDED"))
	goAgain.Reasons = []schemas.WeatherRiskReason{}
	unknownSchedule := tripRisk("wx-unknown-schedule", id("sched/never-published"), "CANCEL_RECOMMENDED", nil)

	groups := []string{"group:active-guides", "group:operations-staff"}
	withGuides := append([]string{"GUIDE:" + guideA, "GUIDE:" + guideB}, groups...)
	safety, info := []string{"in_app", "push", "sms"}, []string{"email", "in_app", "push"}
	cases := []struct {
		name       string
		in         input
		recipients []string
		channels   []string
		priority   intake.Priority
		body       string
	}{
		{"update to a lower severity", in(wx("weather_alert.updated"), "loc-wx", lower), groups, info, intake.PriorityRoutine, "WATCH"},
		{"update to a higher severity", in(wx("weather_alert.updated"), "loc-wx", higher), groups, safety, intake.PriorityEmergency, "EMERGENCY"},
		{"update newly recommending cancellation", in(wx("weather_alert.updated"), "loc-wx", recommends), groups, safety, intake.PriorityEmergency, "Cancellation of departures is recommended"},
		{"update of an alert never seen", in(wx("weather_alert.updated"), "loc-wx", unseen), groups, safety, intake.PriorityEmergency, "ADVISORY"},
		{"cancellation", in(wx("weather_alert.cancelled"), "loc-wx", cancelled), groups, info, intake.PriorityRoutine, "was cancelled"},
		{"trip risk CANCEL_RECOMMENDED", in(wx("trip_weather_risk.changed"), "dep", cancel), withGuides, safety, intake.PriorityEmergency, "gust_kmh 82 (CANCEL_RECOMMENDED at 70): afternoon gusts"},
		{"trip risk GO after CANCEL_RECOMMENDED", in(wx("trip_weather_risk.changed"), "dep", goAgain), withGuides, info, intake.PriorityRoutine, "(was CANCEL_RECOMMENDED)"},
		{"trip risk of a schedule never seen", in(wx("trip_weather_risk.changed"), "dep", unknownSchedule), groups, safety, intake.PriorityEmergency, "CANCEL_RECOMMENDED"},
	}
	// Each event twice (a redelivery): the inbox makes the copy a no-op. The updates share a
	// key, so they are taken in order; the trip risks too.
	for _, c := range cases {
		r.produce(c.in, c.in)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r.WaitApplied(c.in.eventID)
			var want []string
			for _, rc := range c.recipients {
				for _, ch := range c.channels {
					want = append(want, rc+" "+ch)
				}
			}
			sort.Strings(want)
			rows := r.rows(c.in.eventID)
			var got []string
			for _, x := range rows {
				got = append(got, x.Recipient+" "+x.Channel)
				if x.Priority != string(c.priority) || !strings.Contains(x.Body, c.body) {
					t.Errorf("row %s %s: priority %s, body %q; want %s and a body with %q", x.Recipient, x.Channel, x.Priority, x.Body, c.priority, c.body)
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Fatalf("rows (recipient channel):\n got %q\nwant %q", got, want)
			}
			if n := r.Effects(c.in.eventID); n != 1 {
				t.Errorf("event taken in %d times, want once (the copy is a duplicate)", n)
			}
			for _, e := range r.statusEvents(c.in.eventID, len(rows)) {
				if e.Kind != "WEATHER_ALERT" {
					t.Errorf("status event kind %s, want WEATHER_ALERT", e.Kind)
				}
			}
		})
	}
}

// TestWeatherUpdateRedeliveredPastTheInbox: an update redelivered after the inbox forgot it
// is judged as it was the first time (the alert's recorded level is now its own, which would
// make it look unchanged), so it adds no e-mail rows beside its SMS ones.
func TestWeatherUpdateRedeliveredPastTheInbox(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	topic := intake.EventRoutes["weather_alert.updated"].Topic
	issued := alertIssued("redeliver-issued", "r", "WATCH")
	r.produce(in(intake.EventRoutes["weather_alert.issued"].Topic, "loc-wx", issued))
	r.WaitApplied(issued.Metadata.EventID)
	up := alertUpdated("redeliver-up", "r", "WARNING", 1, false)
	r.produce(in(topic, "loc-wx", up))
	r.WaitApplied(up.Metadata.EventID)
	first := r.rows(up.Metadata.EventID)
	if len(first) != 2*3 || !slices.ContainsFunc(first, func(x row) bool { return x.Channel == "sms" }) {
		t.Fatalf("first delivery: %d rows %+v, want the 2 groups × SMS, push, in-app", len(first), first)
	}
	if _, err := r.Pool.Exec(ctx, `DELETE FROM notifications.inbox WHERE event_id = $1`, up.Metadata.EventID); err != nil {
		t.Fatal(err)
	}
	marker := alertUpdated("redeliver-marker", "r", "WARNING", 2, false)
	r.produce(in(topic, "loc-wx", up), in(topic, "loc-wx", marker))
	r.WaitApplied(marker.Metadata.EventID)
	streamtest.Eventually(t, "second intake of the update", func() (bool, error) { return r.Effects(up.Metadata.EventID) == 2, nil })
	if again := r.rows(up.Metadata.EventID); len(again) != len(first) {
		t.Errorf("after a redelivery past the inbox: %d rows, want %d: %+v", len(again), len(first), again)
	}
	if m := r.rows(marker.Metadata.EventID); len(m) != 2*3 || m[0].Priority != string(intake.PriorityRoutine) {
		t.Errorf("an update at the same severity: %+v, want 6 routine rows", m)
	}
}

// TestWeatherPoisonIsDeadLettered: a record on each new topic that is not a decodable event,
// and an update naming no alert, go to the dead-letter topic with their source and reason,
// and the stream goes on.
func TestWeatherPoisonIsDeadLettered(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	topics := []string{intake.EventRoutes["weather_alert.updated"].Topic, intake.EventRoutes["weather_alert.cancelled"].Topic,
		intake.EventRoutes["trip_weather_risk.changed"].Topic}
	for _, tp := range topics {
		r.Produce(&kgo.Record{Topic: tp, Key: []byte("poison"), Value: []byte("not an avro event")})
	}
	noAlert := alertUpdated("no-alert", "x", "WARNING", 1, false)
	noAlert.AlertID = ""
	r.produce(in(topics[0], "poison", noAlert))
	after := tripRisk("after-poison", id("sched/none"), "CAUTION", nil)
	r.produce(in(topics[2], "poison", after))
	r.WaitApplied(after.Metadata.EventID)
	streamtest.Eventually(t, "a dead letter per poison record", func() (bool, error) {
		seen, named := map[string]bool{}, false
		for _, dl := range r.DeadLetters() {
			src, _ := streamtest.Header(dl, stream.HeaderSourceTopic)
			msg, _ := streamtest.Header(dl, stream.HeaderError)
			if msg != "" && string(dl.Value) == "not an avro event" {
				seen[src] = true
			}
			named = named || (src == topics[0] && strings.Contains(msg, noAlert.Metadata.EventID+": alert_id is empty"))
		}
		return len(seen) == len(topics) && named, nil
	})
	if rows := r.rows(noAlert.Metadata.EventID); len(rows) != 0 {
		t.Errorf("the update naming no alert made %d rows", len(rows))
	}
	if rows := r.rows(after.Metadata.EventID); len(rows) != 2*3 {
		t.Errorf("the event after the poison: %d rows, want 6", len(rows))
	}
}
