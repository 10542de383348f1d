package location

import (
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// fixEvent is a guest-position.reported of guest at (lat, lon) recorded at at.
func fixEvent(guest string, n int, lat, lon float64, at time.Time) *schemas.GuestPositionReported {
	return &schemas.GuestPositionReported{Metadata: schemas.EventMetadata{EventID: uuid.NewSHA1(uuid.NameSpaceURL, []byte(fmt.Sprint("fix/", guest, "/", n))).String(),
		EventType: "guest_position.reported", OccurredAt: at, Producer: "guest-app", CorrelationID: uuid.NewString()},
		GuestID: guest, Position: schemas.GeoPoint{Latitude: lat, Longitude: lon}, RecordedAt: at}
}

// TestLastKnownPositionIsTheNewestFixAndHistoryIsBounded: fixes arriving out of order (a
// device sends its offline buffer late) never replace a newer position; the history keeps
// the newest LOCATION_POSITION_HISTORY fixes; a fix that is not on Earth (NaN) is
// dead-lettered with its reason while the partition moves on.
func TestLastKnownPositionIsTheNewestFixAndHistoryIsBounded(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithEnv("LOCATION_POSITION_HISTORY", "3"))
	put(t, svc, "summit", site("Summit", 39.1178, -106.4454, 20))
	guest := uuid.NewString()
	t0 := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	// Minute offsets in arrival order: 5 arrives before the older 2, 3 and 4.
	var last *schemas.GuestPositionReported
	for i, minute := range []int{0, 1, 5, 2, 3, 4} {
		last = fixEvent(guest, i, 39.1+float64(minute)*0.001, -106.44, t0.Add(time.Duration(minute)*time.Minute))
		svc.Publish(TopicGuestPosition, guest, last)
	}
	poison := fixEvent(guest, 99, math.NaN(), -106.44, t0.Add(time.Hour))
	svc.Publish(TopicGuestPosition, guest, poison)
	after := fixEvent(guest, 100, 39.2, -106.44, t0.Add(-time.Hour)) // older than all: history only
	svc.Publish(TopicGuestPosition, guest, after)
	svc.AwaitApplied(after.Metadata.EventID)
	awaitDeadLetter(t, svc, "permanent", "latitude must be a number from -90 to 90")

	resp := svc.Call(CallerEmergency, "GET", "/v1/guests/"+guest+"/position", nil)
	var p GuestPosition
	resp.JSON(t, &p)
	if resp.Status != http.StatusOK || !p.RecordedAt.Equal(t0.Add(5*time.Minute)) || math.Abs(p.Latitude-39.105) > 1e-9 ||
		p.Source != "device" || p.NearestPlace == nil || p.NearestPlace.ID != "summit" {
		t.Errorf("last position = %d %s; want the 12:05 fix", resp.Status, resp.Body)
	}
	var kept []time.Time
	rows, err := svc.DB.Query(t.Context(), `SELECT recorded_at FROM locations.guest_position_history WHERE guest_id = $1 ORDER BY recorded_at`, guest)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, at.UTC())
	}
	if len(kept) != 3 || !kept[0].Equal(t0.Add(3*time.Minute)) || !kept[2].Equal(t0.Add(5*time.Minute)) {
		t.Errorf("history = %v, want the 3 newest fixes 12:03..12:05", kept)
	}
}

// TestTimeZoneIsLookedUpFromTheCoordinates: without time_zone the zone comes from the
// boundary data (Moab is in America/Denver, Flagstaff in America/Phoenix, which keeps no
// DST); time_zone overrides it.
func TestTimeZoneIsLookedUpFromTheCoordinates(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithoutConsumer())
	for _, c := range []struct {
		id, zone, override, source string
		lat, lon                   float64
	}{
		{"moab", "America/Denver", "", "lookup", 38.5733, -109.5498},
		{"flagstaff", "America/Phoenix", "", "lookup", 35.1983, -111.6513},
		{"zermatt", "Europe/Zurich", "", "lookup", 46.0207, 7.7491},
		{"border-lodge", "America/Denver", "America/Denver", "override", 35.1983, -111.6513},
	} {
		body := map[string]any{"name": c.id, "kind": "site", "geometry": pointGeo(c.lat, c.lon)}
		if c.override != "" {
			body["time_zone"] = c.override
		}
		l := put(t, svc, c.id, body)
		if l.TimeZone != c.zone || l.TimeZoneSource != c.source {
			t.Errorf("%s: time zone %s (%s), want %s (%s)", c.id, l.TimeZone, l.TimeZoneSource, c.zone, c.source)
		}
	}
}
