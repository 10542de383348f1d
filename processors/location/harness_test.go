package location

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// start runs the service as `novatrek run` would, on its own database and in-process Kafka,
// every API response checked against openapi.json.
func start(t *testing.T, opts ...servicetest.Option) *servicetest.Service[*app] {
	t.Helper()
	return servicetest.Start(t, Spec, append([]servicetest.Option{servicetest.WithOpenAPICheck()}, opts...)...)
}

// pointGeo is a GeoJSON point.
func pointGeo(lat, lon float64) map[string]any {
	return map[string]any{"type": "Point", "coordinates": []float64{lon, lat}}
}

// squareGeo is a GeoJSON polygon: the square of side 2*half degrees centred on (lat, lon).
func squareGeo(lat, lon, half float64) map[string]any {
	return map[string]any{"type": "Polygon", "coordinates": [][][]float64{{
		{lon - half, lat - half}, {lon + half, lat - half}, {lon + half, lat + half}, {lon - half, lat + half}, {lon - half, lat - half}}}}
}

// put creates or replaces a location as locations-ops and fails the test unless it is
// stored.
func put(t *testing.T, svc *servicetest.Service[*app], id string, body map[string]any) Location {
	t.Helper()
	resp := svc.Call(CallerOps, "PUT", "/v1/locations/"+id, body)
	if resp.Status != http.StatusCreated && resp.Status != http.StatusOK {
		t.Fatalf("PUT location %s = %d %s", id, resp.Status, resp.Body)
	}
	var l Location
	resp.JSON(t, &l)
	return l
}

// site is the body of a site with a capacity in America/Denver (explicit, so tests do not
// build the time zone finder unless they test it).
func site(name string, lat, lon float64, capacity int) map[string]any {
	return map[string]any{"name": name, "kind": "site", "geometry": pointGeo(lat, lon), "capacity": capacity, "time_zone": "America/Denver"}
}

// checkin is a checkin.completed of party people at location, its ids derived from name so
// the same name gives the same event.
func checkin(name, location string, party int, pos *schemas.GeoPoint) *schemas.CheckinCompleted {
	id := func(part string) string {
		return uuid.NewSHA1(uuid.NameSpaceURL, []byte("location-test/"+part+"/"+name)).String()
	}
	return &schemas.CheckinCompleted{Metadata: schemas.EventMetadata{EventID: id("event"), EventType: "checkin.completed",
		OccurredAt: time.Now().UTC().Truncate(time.Millisecond), Producer: "svc-check-in", CorrelationID: id("correlation")},
		CheckinID: id("checkin"), ReservationID: id("reservation"), GuestID: id("guest"), TripID: "TRP-TEST",
		LocationID: location, CheckedInAt: time.Date(2026, 7, 1, 15, 0, 0, 0, time.UTC), PartySize: party,
		WaiversVerified: true, Method: "KIOSK", Position: pos}
}

// publishCheckin publishes ev and waits until it is applied.
func publishCheckin(svc *servicetest.Service[*app], ev *schemas.CheckinCompleted) {
	svc.Publish(TopicCheckinCompleted, ev.ReservationID, ev)
	svc.AwaitApplied(ev.Metadata.EventID)
}

// occupancy is the location's occupancy in the store.
func occupancy(t *testing.T, svc *servicetest.Service[*app], id string) int {
	t.Helper()
	var n int
	if err := svc.DB.QueryRow(t.Context(), `SELECT occupancy FROM locations.locations WHERE location_id = $1`, id).Scan(&n); err != nil {
		t.Fatalf("occupancy of %s: %v", id, err)
	}
	return n
}

// alerts are the threshold crossings the service published for location, as
// "DIRECTION occupancy/capacity@percent LEVEL" in order, once at least want are on Kafka.
// Call it after the events that cause them are applied: the relay publishes in enqueue
// order, so an unexpected extra alert is on Kafka by the time the last expected one is.
func alerts(t *testing.T, svc *servicetest.Service[*app], location string, want int) []string {
	t.Helper()
	var out []string
	streamtest.Eventually(t, fmt.Sprintf("%d alerts of %s", want, location), func() (bool, error) {
		out = nil
		for _, rec := range streamtest.ReadTopic(t, svc.Kafka, TopicThreshold) {
			var e schemas.LocationCapacityThresholdCrossed
			if err := svc.Kafka.Serde.Decode(t.Context(), rec.Value, e.Schema(), &e); err != nil {
				return false, err
			}
			if e.LocationID == location {
				out = append(out, fmt.Sprintf("%s %d/%d@%d %s", e.Direction, e.CurrentOccupancy, e.Capacity, e.ThresholdPercent, e.Level))
			}
		}
		return len(out) >= want, nil
	})
	return out
}

// awaitDeadLetter waits for a dead letter of kind whose error contains reason.
func awaitDeadLetter(t *testing.T, svc *servicetest.Service[*app], kind, reason string) {
	t.Helper()
	streamtest.Eventually(t, "a dead letter: "+reason, func() (bool, error) {
		for _, rec := range svc.DeadLetters() {
			var k, msg string
			for _, h := range rec.Headers {
				switch h.Key {
				case stream.HeaderErrorKind:
					k = string(h.Value)
				case stream.HeaderError:
					msg = string(h.Value)
				}
			}
			if k == kind && strings.Contains(msg, reason) {
				return true, nil
			}
		}
		return false, nil
	})
}

func urlEscape(s string) string { return url.QueryEscape(s) }
