package console_test

import (
	"context"
	"crypto/md5"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/console"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/processors/analytics"
	"github.com/novatrek/support/schemas"
)

// analyticsRig is a console whose Analytics page reads a real svc-analytics (its own
// database and cluster, started by servicetest) over HTTP, as the caller analytics-bi.
type analyticsRig struct {
	*rig
	svc eventSink
	// db is svc-analytics' database.
	db *pgxpool.Pool
}

// eventSink is the running svc-analytics as the test feeds it (its state type is the
// service's own).
type eventSink interface {
	Publish(topic, key string, ev schemas.Event) *kgo.Record
	AwaitApplied(eventID string)
}

// newAnalyticsRig starts the rig; svc-analytics has applied dayOfEvents(now, n) when
// n > 0.
func newAnalyticsRig(t testing.TB, n int) *analyticsRig {
	t.Helper()
	svc := servicetest.Start(t, analytics.Spec)
	r := newRig(t, testToken, func(c *console.Config, _ *streamtest.Harness) {
		c.Analytics = &console.AnalyticsAPI{URL: svc.URL, Token: servicetest.Token(console.AnalyticsCaller)}
	})
	if n > 0 {
		for _, id := range dayOfEvents(svc, time.Now().UTC().Add(-time.Minute), n) {
			svc.AwaitApplied(id)
		}
	}
	return &analyticsRig{rig: r, svc: svc, db: svc.DB}
}

// uid is a UUID derived from name, so a test's events have stable ids.
func uid(name string) string { return uuid.UUID(md5.Sum([]byte(name))).String() }

func money(amount, currency string) schemas.Money {
	r, _ := new(big.Rat).SetString(amount)
	return schemas.Money{Amount: r, Currency: currency}
}

var (
	testTrips     = []string{"TRP-GRANDCANYON-RAFT-7D", "TRP-YOSEMITE-HIKE-3D"}
	testLocations = []string{"LOC-LEES-FERRY", "LOC-YOSEMITE-VALLEY"}
)

// dayOfEvents publishes, at at, n reservations and one each of a payment, a capacity
// sample, a review and an incident: something for every dashboard. It returns the event ids.
func dayOfEvents(svc eventSink, at time.Time, n int) []string {
	var ids []string
	meta := func(name, typ string) schemas.EventMetadata {
		id := uid("event/" + name)
		ids = append(ids, id)
		return schemas.EventMetadata{EventID: id, EventType: typ, OccurredAt: at.UTC().Truncate(time.Millisecond),
			Producer: "svc-test", CorrelationID: uid("correlation/" + name)}
	}
	day := at.Format(time.DateOnly)
	for i := range n {
		name := fmt.Sprintf("%s/%d", day, i)
		trip, res, guest := testTrips[i%2], uid("res/"+name), uid("guest/"+name)
		svc.Publish("novatrek.booking.reservation.created", res, &schemas.ReservationCreated{Metadata: meta(name+"/res", "reservation.created"),
			ReservationID: res, GuestID: guest, TripID: trip, DepartureID: "DEP-" + trip, DepartureDate: at.AddDate(0, 1, 0),
			PartySize: 2, Status: "PENDING", TotalPrice: money("120.50", "USD"), DepositDue: money("0", "USD"), BookingChannel: "WEB"})
	}
	trip, loc, guide := testTrips[at.Day()%2], testLocations[at.Day()%2], "GDE-ANA"
	pay, guest := uid("pay/"+day), uid("guest/"+day)
	svc.Publish("novatrek.support.payment.processed", pay, &schemas.PaymentProcessed{Metadata: meta(day+"/pay", "payment.processed"),
		PaymentID: pay, ReservationID: uid("res/" + day + "/0"), GuestID: guest, Amount: money("120.50", "USD"), PaymentType: "DEPOSIT",
		Method: "CARD", Status: "CAPTURED", Provider: "stripe", ProviderReference: "pi_" + day})
	svc.Publish("novatrek.support.location-capacity.threshold-crossed", loc, &schemas.LocationCapacityThresholdCrossed{
		Metadata: meta(day+"/capacity", "location_capacity.threshold_crossed"), LocationID: loc, LocationName: loc,
		Position: schemas.GeoPoint{Latitude: 36, Longitude: -112}, CurrentOccupancy: 85, Capacity: 100, ThresholdPercent: 80,
		Direction: "RISING", Level: "WARNING", MeasuredAt: at})
	review := uid("review/" + day)
	svc.Publish("novatrek.support.review.published", review, &schemas.ReviewPublished{Metadata: meta(day+"/review", "review.published"),
		ReviewID: review, ReservationID: uid("res/" + day + "/0"), GuestID: guest, TripID: trip, GuideID: &guide, Rating: 3 + at.Day()%3,
		GuideRating: ptr(5 - at.Day()%2), Body: "great", Language: "en", TripDate: at})
	incident := uid("incident/" + day)
	svc.Publish("novatrek.safety.incident.reported", incident, &schemas.IncidentReported{Metadata: meta(day+"/incident", "incident.reported"),
		IncidentID: incident, Severity: "LOW", Category: "INJURY", TripID: &trip, LocationID: &loc, IncidentAt: at,
		ReportedBy: guide, Description: "twisted ankle"})
	return ids
}

func ptr[T any](v T) *T { return &v }

// history publishes three weeks of reservations with a weekly shape, up to yesterday:
// enough for the forecast's weekly season (two weeks).
func history(svc eventSink) {
	yesterday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1).Add(12 * time.Hour)
	var ids []string
	for d := 21; d >= 1; d-- {
		at := yesterday.AddDate(0, 0, 1-d)
		// A weekly shape with some noise, so the forecast's intervals have width.
		ids = append(ids, dayOfEvents(svc, at, 1+[]int{0, 1, 2, 3, 4, 2, 1}[at.Weekday()]+d*5%3)...)
	}
	for _, id := range ids {
		svc.AwaitApplied(id)
	}
}

// TestAnalyticsPage: the page charts every dashboard of a real svc-analytics; with one
// day of history the forecast's 422 is shown as its reason in the chart's place, not an
// error page; after three weeks the forecast is drawn with its two interval bands; a bad
// window is a 400 naming the field; while svc-analytics rebuilds the page says its figures
// are partial; a console without the API says so.
func TestAnalyticsPage(t *testing.T) {
	t.Parallel()
	r := newAnalyticsRig(t, 3)
	body := r.mustGet("/analytics", `id="bookings"`, `id="revenue"`, `id="utilization"`, `id="satisfaction"`, `id="safety"`, `id="forecast"`)
	for _, id := range []string{"bookings", "revenue", "utilization", "satisfaction", "safety"} {
		if sec := between(t, body, `id="`+id+`"`, `</section>`); !strings.Contains(sec, "data-chart=") {
			t.Errorf("the %s chart is not drawn:\n%s", id, sec)
		}
	}
	contains(t, "bookings", body, "reservations", "USD", "LOC-", "TRP-", "incidents")
	if sec := between(t, body, `id="forecast"`, `</section>`); !strings.Contains(sec, "Not enough history to forecast") || strings.Contains(sec, "data-chart=") {
		t.Errorf("a forecast on one day of history: want the API's reason in the chart's place:\n%s", sec)
	}

	code, page := r.get("/analytics?from=yesterday")
	if code != http.StatusBadRequest || !strings.Contains(page, "from must be a date") {
		t.Errorf("a bad from: %d, want 400 naming from:\n%s", code, excerpt(page))
	}

	history(r.svc)
	body = r.mustGet("/analytics")
	sec := between(t, body, `id="forecast"`, `</section>`)
	contains(t, "forecast", sec, "data-chart=", "bands", "95 % high", "80 % low", "additive Holt-Winters")

	// A rebuild whose replay has far to go (the target is past every record): svc-analytics
	// says so in every answer, and the page says its figures are partial.
	if _, err := r.db.Exec(context.Background(), `INSERT INTO analytics.rebuilds (target) VALUES ('{"novatrek.booking.reservation.created/0": 1000000}')`); err != nil {
		t.Fatal(err)
	}
	streamtest.Eventually(t, "the page to say svc-analytics is rebuilding", func() (bool, error) {
		_, body := r.get("/analytics")
		return strings.Contains(body, `id="analytics-rebuilding"`) && strings.Contains(body, "the figures are partial"), nil
	})

	off := newRig(t, "")
	off.mustGet("/analytics", "No svc-analytics API is configured")
}
