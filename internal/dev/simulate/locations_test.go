package simulate

import (
	"encoding/json"
	"math"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/schemas"
)

var (
	locationPath = regexp.MustCompile(`^/v1/locations/([^/?]+)$`)
	capacityPath = regexp.MustCompile(`^/v1/locations/([^/?]+)/capacity\?`)
	adjustPath   = regexp.MustCompile(`^/v1/locations/([^/?]+)/occupancy-adjustments$`)
	trailPath    = regexp.MustCompile(`^/v1/trails/([^/?]+)/coordinates\?zoom=\d+$`)
	positionPath = regexp.MustCompile(`^/v1/guests/([^/?]+)/position$`)
)

// TestLocationCalls: the setup creates, as locations-ops, every site of the catalog with its
// capacity, its pickup and service area and every trail; what the traffic then names (a
// check-in's location, a capacity check's site, a trail read) was created; a check-out
// removes exactly its check-in's party, once, settleEvents or more after it (so the
// service has consumed the check-in); a guest's position is read only after their
// app reported a fix; fixes lie near the trip's site, some arriving late; and the seed's
// occupancy crosses 90 % of some site's capacity without ever going below zero.
func TestLocationCalls(t *testing.T) {
	t.Parallel()
	g, err := NewGenerator("locations", topo(t))
	if err != nil {
		t.Fatal(err)
	}
	capacity := map[string]int{} // sites
	created := map[string]string{}
	for _, c := range g.Setup() {
		m := locationPath.FindStringSubmatch(c.Path)
		if c.Route != RouteLocation || c.Method != "PUT" || c.Caller != "locations-ops" || m == nil {
			t.Fatalf("setup call %s %s by %s is not locations-ops' PUT of a location", c.Method, c.Path, c.Caller)
		}
		var b struct {
			Name, Kind string
			Capacity   int
			Geometry   struct{ Type string }
		}
		if err := json.Unmarshal(c.Body, &b); err != nil || b.Name == "" {
			t.Fatalf("setup %s: body %s: %v", m[1], c.Body, err)
		}
		want := map[string]string{"site": "Point", "pickup": "Point", "service_area": "Polygon", "trail": "LineString"}[b.Kind]
		if b.Geometry.Type != want {
			t.Errorf("setup %s: a %s with a %s geometry", m[1], b.Kind, b.Geometry.Type)
		}
		created[m[1]] = b.Kind
		if b.Kind == "site" {
			capacity[m[1]] = b.Capacity
		}
	}
	for _, tr := range trips {
		if capacity[tr.location] < 1 || created[tr.location+"-AREA"] != "service_area" {
			t.Errorf("setup: %s has capacity %d and service area %q", tr.location, capacity[tr.location], created[tr.location+"-AREA"])
		}
		for _, trail := range tr.trails {
			if created[trail] != "trail" {
				t.Errorf("setup: trail %s not created", trail)
			}
		}
	}

	type checkin struct {
		location string
		party    int
		event    int
	}
	checkins := map[string]checkin{}
	checkedOut := map[string]bool{}
	occupancy := map[string]int{}
	peak := 0.0
	lastFix := map[string]time.Time{}
	counts := map[string]int{}
	start := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	for i := range 30000 {
		ev, err := g.Next(start.Add(time.Duration(i) * 200 * time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range append(ev.Before, ev.After...) {
			counts[c.Route]++
			switch c.Route {
			case RouteCapacity:
				if m := capacityPath.FindStringSubmatch(c.Path); m == nil || capacity[m[1]] == 0 || c.Caller != "svc-scheduling-orchestrator" {
					t.Errorf("event %d: capacity check %s by %s is not of a site created", i, c.Path, c.Caller)
				}
			case RoutePickup:
				u, _ := url.Parse(c.Path)
				if u.Path != "/v1/pickups/validation" || u.Query().Get("lat") == "" || u.Query().Get("lon") == "" || c.Caller != "svc-transport-logistics" {
					t.Errorf("event %d: pickup validation %s by %s", i, c.Path, c.Caller)
				}
			case RouteTrail:
				if m := trailPath.FindStringSubmatch(c.Path); m == nil || created[m[1]] != "trail" || c.Caller != "svc-trail-management" {
					t.Errorf("event %d: trail read %s by %s is not of a trail created", i, c.Path, c.Caller)
				}
			case RoutePosition:
				m := positionPath.FindStringSubmatch(c.Path)
				if m == nil || c.Caller != "svc-emergency-response" {
					t.Fatalf("event %d: position read %s by %s", i, c.Path, c.Caller)
				}
				if _, ok := lastFix[m[1]]; !ok {
					t.Errorf("event %d: position of guest %s read before any fix of theirs", i, m[1])
				}
			case RouteAdjust:
				m := adjustPath.FindStringSubmatch(c.Path)
				var b struct {
					Reference string
					Delta     int
				}
				if m == nil || c.Caller != "locations-ops" || json.Unmarshal(c.Body, &b) != nil {
					t.Fatalf("event %d: adjustment %s %s by %s", i, c.Path, c.Body, c.Caller)
				}
				id := strings.TrimPrefix(b.Reference, "checkout-")
				ci, ok := checkins[id]
				if !ok || checkedOut[id] || ci.location != m[1] || b.Delta != -ci.party || i-ci.event < settleEvents {
					t.Fatalf("event %d: check-out %s at %s of %d is not one of a check-in there (%+v, checked out before: %v)", i, b.Reference, m[1], b.Delta, ci, checkedOut[id])
				}
				checkedOut[id] = true
				occupancy[m[1]] += b.Delta
				if occupancy[m[1]] < 0 {
					t.Fatalf("event %d: occupancy of %s below zero", i, m[1])
				}
			}
		}
		switch v := ev.Value.(type) {
		case *schemas.CheckinCompleted:
			if capacity[v.LocationID] == 0 {
				t.Fatalf("event %d: check-in at %s, which the setup did not create", i, v.LocationID)
			}
			checkins[v.CheckinID] = checkin{v.LocationID, v.PartySize, i}
			occupancy[v.LocationID] += v.PartySize
			peak = math.Max(peak, float64(occupancy[v.LocationID])/float64(capacity[v.LocationID]))
			if v.Position != nil {
				lastFix[v.GuestID] = v.CheckedInAt
			}
		case *schemas.GuestPositionReported:
			counts["fixes"]++
			if last, ok := lastFix[v.GuestID]; ok && v.RecordedAt.Before(last) {
				counts["late fixes"]++
			} else {
				lastFix[v.GuestID] = v.RecordedAt
			}
			if v.RecordedAt.After(ev.Value.(*schemas.GuestPositionReported).Metadata.OccurredAt) {
				t.Errorf("event %d: a fix recorded after it was sent", i)
			}
			if !nearAnySite(v.Position) {
				t.Errorf("event %d: fix %+v is not within 15 km of a site", i, v.Position)
			}
		}
	}
	for _, r := range []string{RouteCapacity, RoutePickup, RouteTrail, RoutePosition, RouteAdjust, "fixes", "late fixes"} {
		if counts[r] == 0 {
			t.Errorf("30,000 events made no %s", r)
		}
	}
	if share := float64(counts["late fixes"]) / float64(counts["fixes"]); share > 0.2 {
		t.Errorf("%.2f of the fixes arrive late; want occasional", share)
	}
	if peak < 0.9 {
		t.Errorf("the busiest site peaked at %.0f %% of its capacity; want the 90 %% alert crossed", peak*100)
	}
	t.Logf("calls and fixes %v; peak occupancy %.0f %% of capacity", counts, peak*100)
}

// nearAnySite: within 15 km of a catalog site (a trail runs about 8 km from it).
func nearAnySite(p schemas.GeoPoint) bool {
	for _, tr := range trips {
		dLat := (p.Latitude - tr.lat) * 111.2
		dLon := (p.Longitude - tr.lon) * 111.2 * math.Cos(tr.lat*math.Pi/180)
		if math.Hypot(dLat, dLon) < 15 {
			return true
		}
	}
	return false
}
