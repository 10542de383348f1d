package weather

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/nwsfake"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

const sender = "w-nws.webmaster@noaa.gov"

// storm is a Severe Thunderstorm Warning over Yosemite Valley, sent at sent.
func storm(id, messageType string, sent time.Time, refs ...nwsfake.Reference) nwsfake.Alert {
	return nwsfake.Alert{Identifier: id, Sender: sender, MessageType: messageType, References: refs,
		Event: "Severe Thunderstorm Warning", Severity: "Severe", Headline: "Severe Thunderstorm Warning until 6 PM",
		Description: "Hail and 60 mph gusts.", Sent: sent, Effective: sent, Expires: sent.Add(3 * time.Hour),
		Lat: yosemite.Lat, Lon: yosemite.Lon, RadiusKm: 20}
}

// TestAlertChainIssuedUpdatedCancelled follows one alert through its CAP references:
// the Alert is issued once however often it is polled (and by two instances at once), its
// Update is an update of the same alert_id, its Cancel a cancellation; a Cancel of an alert
// never issued here says nothing.
func TestAlertChainIssuedUpdatedCancelled(t *testing.T) {
	t.Parallel()
	svc, f, _ := started(t)
	other := second(t, svc)
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Second)
	poll := func() {
		t.Helper()
		var wg sync.WaitGroup
		for _, inst := range []*app{svc.State, other, svc.State} { // overlapping polls
			wg.Go(func() {
				if err := inst.pollArea(ctx, area{"LOC-YOSEMITE-VALLEY", yosemite}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}

	alert := storm("urn:oid:2.49.0.1.840.0.aaa.001.1", "Alert", t0)
	f.SetAlerts(alert)
	poll()
	poll()
	issued := servicetest.AwaitEvent[schemas.WeatherAlertIssued](svc, TopicAlertIssued,
		func(e *schemas.WeatherAlertIssued) bool { return e.LocationID == "LOC-YOSEMITE-VALLEY" })
	if issued.AlertType != "THUNDERSTORM" || issued.Severity != "WARNING" || !issued.RecommendCancellation || issued.RadiusKm < 19 {
		t.Errorf("issued = %+v", issued)
	}

	ref := func(a nwsfake.Alert) nwsfake.Reference {
		return nwsfake.Reference{Identifier: a.Identifier, Sender: a.Sender, Sent: a.Sent}
	}
	update := storm("urn:oid:2.49.0.1.840.0.aaa.002.1", "Update", t0.Add(time.Hour), ref(alert))
	update.Headline = "Severe Thunderstorm Warning extended until 8 PM"
	f.SetAlerts(update)
	poll()
	updated := servicetest.AwaitEvent[schemas.WeatherAlertUpdated](svc, TopicAlertUpdated,
		func(e *schemas.WeatherAlertUpdated) bool { return e.AlertID == issued.AlertID })
	if updated.Headline != update.Headline {
		t.Errorf("updated = %+v", updated)
	}

	cancel := storm("urn:oid:2.49.0.1.840.0.aaa.003.1", "Cancel", t0.Add(2*time.Hour), ref(update))
	stray := storm("urn:oid:2.49.0.1.840.0.bbb.009.1", "Cancel", t0.Add(2*time.Hour),
		nwsfake.Reference{Identifier: "urn:oid:never-seen", Sender: sender})
	f.SetAlerts(cancel, stray)
	poll()
	poll()
	servicetest.AwaitEvent[schemas.WeatherAlertCancelled](svc, TopicAlertCancelled,
		func(e *schemas.WeatherAlertCancelled) bool { return e.AlertID == issued.AlertID })

	for topic, want := range map[string]int{TopicAlertIssued: 1, TopicAlertUpdated: 1, TopicAlertCancelled: 1} {
		if n := len(streamtest.ReadTopic(t, svc.Kafka, topic)); n != want {
			t.Errorf("%s: %d events, want %d", topic, n, want)
		}
	}
	var statuses []string
	rows, _ := svc.DB.Query(ctx, `SELECT status FROM weather.alert_history WHERE chain_id = $1 ORDER BY sent`, issued.AlertID)
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		statuses = append(statuses, s)
	}
	if len(statuses) != 3 || statuses[0] != "superseded" || statuses[1] != "cancelled" || statuses[2] != "cancelled" {
		t.Errorf("chain statuses = %v, want the Alert superseded by its Update, the Update and the Cancel cancelled", statuses)
	}
	var active struct {
		Alerts []alertJSON `json:"alerts"`
	}
	svc.Call(scheduling, "GET", "/v1/alerts?location_id=LOC-YOSEMITE-VALLEY", nil).JSON(t, &active)
	if len(active.Alerts) != 0 {
		t.Errorf("active alerts after the cancel: %+v", active.Alerts)
	}
}

// TestAnAlertMakesADepartureCancelRecommended: a warning over a scheduled departure's
// location changes its recommendation, once, with the alert as the reason.
func TestAnAlertMakesADepartureCancelRecommended(t *testing.T) {
	t.Parallel()
	svc, f, _ := started(t)
	s := schedule("alerted", 1, tomorrow("LOC-YOSEMITE-VALLEY"))
	svc.Publish(TopicSchedulePublished, s.ScheduleID, s)
	dep := s.Assignments[0].DepartureID
	first := servicetest.AwaitEvent[schemas.TripWeatherRiskChanged](svc, TopicTripRisk,
		func(e *schemas.TripWeatherRiskChanged) bool { return e.DepartureID == dep })
	if first.Recommendation != Go || first.PreviousRecommendation != nil {
		t.Fatalf("first assessment of calm weather = %+v", first)
	}
	warn := storm("urn:oid:2.49.0.1.840.0.ccc.001.1", "Alert", s.Assignments[0].StartsAt.Add(-time.Hour))
	f.SetAlerts(warn)
	for range 2 {
		if err := svc.State.pollArea(context.Background(), area{"LOC-YOSEMITE-VALLEY", yosemite}); err != nil {
			t.Fatal(err)
		}
	}
	changed := servicetest.AwaitEvent[schemas.TripWeatherRiskChanged](svc, TopicTripRisk,
		func(e *schemas.TripWeatherRiskChanged) bool {
			return e.DepartureID == dep && e.Recommendation == Cancel
		})
	if changed.PreviousRecommendation == nil || *changed.PreviousRecommendation != Go || len(changed.Reasons) != 1 || changed.Reasons[0].Factor != "alert" {
		t.Errorf("after the warning = %+v", changed)
	}
	if err := svc.State.reassessUpcoming(context.Background(), "forecast"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := svc.DB.QueryRow(context.Background(), `SELECT count(*) FROM weather.assessment_log WHERE departure_id = $1`, dep).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d assessments logged (%v), want 2: an unchanged re-assessment emits nothing", n, err)
	}
}

// TestOneInstancePollsPerInterval: two instances' alert rounds in the same interval make
// one instance's calls, one per known area.
func TestOneInstancePollsPerInterval(t *testing.T) {
	t.Parallel()
	svc, f, _ := started(t)
	other := second(t, svc)
	var wg sync.WaitGroup
	for _, inst := range []*app{svc.State, other} {
		wg.Go(func() {
			if err := inst.oncePer("alerts", time.Minute, inst.pollAlerts)(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var areas int64
	if err := svc.DB.QueryRow(context.Background(), `SELECT count(*) FROM weather.areas`).Scan(&areas); err != nil {
		t.Fatal(err)
	}
	if n := f.Requests(nwsfake.KindAlerts); n != areas {
		t.Errorf("%d alert polls by two instances in one interval, want %d (one per area, once)", n, areas)
	}
}
