package weather

import (
	"context"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/nwsfake"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

var portAngeles = Point{48.1181, -123.4307}

// TestAForecastChangeReassessesTheDeparture: a kayaking departure in calm weather is GO;
// as soon as a read refreshes the forecast with 40 km/h wind over it (kayaking cancels at
// 35), the "refreshed" worker emits CANCEL_RECOMMENDED with the wind as the reason, and
// assess rounds after it emit nothing more.
func TestAForecastChangeReassessesTheDeparture(t *testing.T) {
	t.Parallel()
	svc, f, clk := started(t)
	f.SetWeather(portAngeles.Cell().Lat, portAngeles.Cell().Lon, nwsfake.Weather{TempC: 15, WindKmh: 8, Short: "Sunny"})
	s := schedule("kayak", 1, tomorrow("LOC-PORT-ANGELES"))
	svc.Publish(TopicSchedulePublished, s.ScheduleID, s)
	dep := s.Assignments[0].DepartureID
	first := servicetest.AwaitEvent[schemas.TripWeatherRiskChanged](svc, TopicTripRisk,
		func(e *schemas.TripWeatherRiskChanged) bool { return e.DepartureID == dep })
	if first.Recommendation != Go || first.Activity != "kayaking" {
		t.Fatalf("first = %+v", first)
	}
	f.SetWeather(portAngeles.Cell().Lat, portAngeles.Cell().Lon, nwsfake.Weather{TempC: 15, WindKmh: 40, Short: "Windy"})
	clk.advance(2 * time.Hour) // the cached forecast is past its freshness
	if r := svc.Call(scheduling, "GET", "/v1/forecast?location_id=LOC-PORT-ANGELES", nil); r.Status != 200 {
		t.Fatalf("forecast read: %d %s", r.Status, r.Body)
	}
	changed := servicetest.AwaitEvent[schemas.TripWeatherRiskChanged](svc, TopicTripRisk,
		func(e *schemas.TripWeatherRiskChanged) bool { return e.DepartureID == dep && e.Recommendation != Go })
	for range 2 {
		if err := svc.State.reassessUpcoming(context.Background(), "forecast"); err != nil {
			t.Fatal(err)
		}
	}
	if changed.Recommendation != Cancel || len(changed.Reasons) != 1 || changed.Reasons[0].Factor != "wind_kmh" ||
		changed.Reasons[0].Threshold != 35 || changed.PreviousRecommendation == nil || *changed.PreviousRecommendation != Go {
		t.Errorf("after the wind = %+v", changed)
	}
	var n int
	if err := svc.DB.QueryRow(context.Background(), `SELECT count(*) FROM weather.assessment_log WHERE departure_id = $1`, dep).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d assessments logged (%v), want 2", n, err)
	}
}

// TestUnknownLocationAndOlderRevision: a departure at a location that is no known area is
// UNASSESSED with the reason (not dropped, not poison); an older revision of a schedule
// changes nothing the newer one recorded.
func TestUnknownLocationAndOlderRevision(t *testing.T) {
	t.Parallel()
	svc, _, _ := started(t)
	newer := schedule("revised", 2, tomorrow("LOC-NOWHERE"))
	svc.Publish(TopicSchedulePublished, newer.ScheduleID, newer)
	got := servicetest.AwaitEvent[schemas.TripWeatherRiskChanged](svc, TopicTripRisk,
		func(e *schemas.TripWeatherRiskChanged) bool { return e.DepartureID == newer.Assignments[0].DepartureID })
	if got.Recommendation != Unassessed || len(got.Reasons) != 1 || got.Reasons[0].Factor != "unassessed" {
		t.Errorf("unknown location = %+v", got)
	}
	older := schedule("revised", 1, tomorrow("LOC-MOAB"))
	svc.Publish(TopicSchedulePublished, older.ScheduleID, older)
	svc.AwaitApplied(older.Metadata.EventID)
	var loc string
	var rev int
	if err := svc.DB.QueryRow(context.Background(), `SELECT location_id, revision FROM weather.departures WHERE departure_id = $1`,
		newer.Assignments[0].DepartureID).Scan(&loc, &rev); err != nil || loc != "LOC-NOWHERE" || rev != 2 {
		t.Errorf("departure after an older revision: %s rev %d (%v); want LOC-NOWHERE rev 2", loc, rev, err)
	}
}
