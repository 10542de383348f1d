package weather

import (
	"context"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/nwsfake"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestDevStormsMakeTheAlertChainAndRiskChanges: the fake provider's dev mode (what `novatrek
// dev` runs) drives the whole chain through the real polling: its watch is issued at the
// area and makes a departure there CAUTION, its upgrade to a warning is an update of the same
// alert_id and makes it CANCEL_RECOMMENDED, and its cancel is a cancellation that returns
// the departure to its first recommendation.
func TestDevStormsMakeTheAlertChainAndRiskChanges(t *testing.T) {
	t.Parallel()
	svc, f, c := started(t)
	f.SetClock(c.now)
	const every = 30 * time.Minute
	f.SetStorms(&nwsfake.Storms{Areas: []nwsfake.Area{{Lat: yosemite.Lat, Lon: yosemite.Lon}}, Every: every})
	// Start a minute into the next cycle, so the phases below are the watch's, the warning's
	// and the cancel's.
	now := c.now()
	c.advance(now.Truncate(every).Add(every + time.Minute).Sub(now))

	s := schedule("dev-storm", 1, tomorrow("LOC-YOSEMITE-VALLEY"))
	svc.Publish(TopicSchedulePublished, s.ScheduleID, s)
	dep := s.Assignments[0].DepartureID
	first := servicetest.AwaitEvent[schemas.TripWeatherRiskChanged](svc, TopicTripRisk,
		func(e *schemas.TripWeatherRiskChanged) bool { return e.DepartureID == dep })
	poll := func() {
		t.Helper()
		if err := svc.State.pollArea(context.Background(), area{"LOC-YOSEMITE-VALLEY", yosemite}); err != nil {
			t.Fatal(err)
		}
	}
	riskBecomes := func(want string) {
		t.Helper()
		servicetest.AwaitEvent[schemas.TripWeatherRiskChanged](svc, TopicTripRisk,
			func(e *schemas.TripWeatherRiskChanged) bool { return e.DepartureID == dep && e.Recommendation == want })
	}

	poll()
	issued := servicetest.AwaitEvent[schemas.WeatherAlertIssued](svc, TopicAlertIssued,
		func(e *schemas.WeatherAlertIssued) bool { return e.LocationID == "LOC-YOSEMITE-VALLEY" })
	if issued.Severity != "WATCH" {
		t.Errorf("issued = %+v; want a watch", issued)
	}
	riskBecomes(Caution)

	c.advance(every / 3)
	poll()
	servicetest.AwaitEvent[schemas.WeatherAlertUpdated](svc, TopicAlertUpdated,
		func(e *schemas.WeatherAlertUpdated) bool {
			return e.AlertID == issued.AlertID && e.Severity == "WARNING"
		})
	riskBecomes(Cancel)

	c.advance(every / 3)
	poll()
	servicetest.AwaitEvent[schemas.WeatherAlertCancelled](svc, TopicAlertCancelled,
		func(e *schemas.WeatherAlertCancelled) bool { return e.AlertID == issued.AlertID })
	if first.Recommendation == Cancel || first.Recommendation == Caution {
		t.Fatalf("the calm first assessment was %s", first.Recommendation)
	}
	riskBecomes(first.Recommendation)
}
