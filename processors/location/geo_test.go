package location

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"testing"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// haversine is the great-circle distance in metres on PostGIS's sphere (the WGS 84 mean
// radius (2a+b)/3), the brute force the KNN order is compared with.
func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * 6371008.7714150598 * math.Asin(math.Min(1, math.Sqrt(h)))
}

type testPoint struct {
	id       string
	lat, lon float64
}

// seedPoints inserts n random sites around (lat, lon) ± spread degrees, straight into the
// table (the API's writes are tested elsewhere), and returns them.
func seedPoints(t *testing.T, svc *servicetest.Service[*app], rng *rand.Rand, prefix string, n int, lat, lon, spread float64) []testPoint {
	t.Helper()
	pts := make([]testPoint, n)
	lats, lons, ids := make([]float64, n), make([]float64, n), make([]string, n)
	for i := range pts {
		pts[i] = testPoint{fmt.Sprintf("%s%04d", prefix, i), lat + (rng.Float64()*2-1)*spread, lon + (rng.Float64()*2-1)*spread}
		ids[i], lats[i], lons[i] = pts[i].id, pts[i].lat, pts[i].lon
	}
	if _, err := svc.DB.Exec(t.Context(), `INSERT INTO locations.locations (location_id, name, kind, geom, time_zone, time_zone_source)
		SELECT id, 'Point ' || id, 'site', ST_SetSRID(ST_MakePoint(lon, lat), 4326), 'UTC', 'override'
		FROM unnest($1::text[], $2::float8[], $3::float8[]) AS u(id, lat, lon)`, ids, lats, lons); err != nil {
		t.Fatal(err)
	}
	return pts
}

// TestNearbyOrderEqualsBruteForceHaversine is the KNN property: on random points (400
// across a 40° square of mid latitudes, 100 near the pole, where degrees and metres part
// most), the k nearest by the geography index (<->) are the k nearest by brute-force
// haversine, in the same order, with the same distances to a millimetre; and a radius query
// returns exactly the points within the radius.
func TestNearbyOrderEqualsBruteForceHaversine(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithoutConsumer())
	rng := rand.New(rand.NewPCG(16, 2026))
	pts := append(seedPoints(t, svc, rng, "mid", 400, 40, -100, 20), seedPoints(t, svc, rng, "polar", 100, 84, 0, 5)...)
	for i := range 100 {
		q := testPoint{lat: 40 + (rng.Float64()*2-1)*25, lon: -100 + (rng.Float64()*2-1)*25}
		if i%5 == 0 {
			q = testPoint{lat: 80 + rng.Float64()*9, lon: (rng.Float64()*2 - 1) * 179}
		}
		k := 1 + rng.IntN(20)
		got, err := nearest(t.Context(), svc.DB, q.lat, q.lon, 0, "", k)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(pts)
		sort.SliceStable(want, func(a, b int) bool {
			return haversine(q.lat, q.lon, want[a].lat, want[a].lon) < haversine(q.lat, q.lon, want[b].lat, want[b].lon)
		})
		if len(got) != k {
			t.Fatalf("query %d: %d results, want %d", i, len(got), k)
		}
		for j, g := range got {
			d := haversine(q.lat, q.lon, want[j].lat, want[j].lon)
			// An exchanged pair of (near) ties is the same order.
			if g.ID != want[j].id && math.Abs(g.DistanceMeters-d) > 1e-3 {
				t.Fatalf("query %d (%.4f,%.4f) k=%d: rank %d is %s at %.3f m, brute force says %s at %.3f m", i, q.lat, q.lon, k, j, g.ID, g.DistanceMeters, want[j].id, d)
			}
			if math.Abs(g.DistanceMeters-d) > 1e-3 {
				t.Fatalf("query %d: %s at %.6f m, haversine %.6f m", i, g.ID, g.DistanceMeters, d)
			}
		}

		radius := 50_000 + rng.Float64()*400_000
		within, err := nearest(t.Context(), svc.DB, q.lat, q.lon, radius, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		var inside []string
		for _, p := range want {
			if haversine(q.lat, q.lon, p.lat, p.lon) <= radius && len(inside) < 100 {
				inside = append(inside, p.id)
			}
		}
		var gotIDs []string
		for _, w := range within {
			gotIDs = append(gotIDs, w.ID)
		}
		if !slices.Equal(gotIDs, inside) {
			t.Fatalf("query %d: within %.0f m = %v, brute force %v", i, radius, gotIDs, inside)
		}
	}
}

// TestPickupGeofenceInsideOutsideBoundary: a point inside a service area is a valid pickup,
// one on its boundary too (ST_Covers), one just outside is not and gets the nearest pickup
// point that lies inside a service area (not the nearer one outside every area).
func TestPickupGeofenceInsideOutsideBoundary(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithoutConsumer())
	// The area is the square 39..40 N, 106..105 W.
	put(t, svc, "area", map[string]any{"name": "Front Range Service Area", "kind": "service_area", "geometry": squareGeo(39.5, -105.5, 0.5), "time_zone": "America/Denver"})
	put(t, svc, "pickup-in", map[string]any{"name": "Trailhead Pickup", "kind": "pickup", "geometry": pointGeo(39.9, -105.1), "time_zone": "America/Denver"})
	put(t, svc, "pickup-out", map[string]any{"name": "Stray Pickup", "kind": "pickup", "geometry": pointGeo(40.05, -105.0), "time_zone": "America/Denver"})

	for _, c := range []struct {
		name     string
		lat, lon float64
		valid    bool
	}{
		{"inside", 39.5, -105.5, true},
		{"on the east edge", 39.25, -105.0, true},
		{"on a corner", 40.0, -105.0, true},
		{"just outside", 40.000001, -105.0, false},
		{"far outside", 45, -100, false},
	} {
		resp := svc.Call(CallerTransport, "GET", fmt.Sprintf("/v1/pickups/validation?lat=%v&lon=%v", c.lat, c.lon), nil)
		var v PickupValidation
		resp.JSON(t, &v)
		if resp.Status != http.StatusOK || v.Valid != c.valid || (v.ServiceArea != nil) != c.valid {
			t.Errorf("%s: %d %s; want valid=%v", c.name, resp.Status, resp.Body, c.valid)
			continue
		}
		if v.NearestPickup == nil || v.NearestPickup.ID != "pickup-in" {
			t.Errorf("%s: nearest pickup = %s, want pickup-in (the one inside an area)", c.name, resp.Body)
		}
	}
}

// TestGeocodingForwardAndReverse: a name, a part of it and a typo find the place; a point
// inside a park reverse-geocodes to the park, one beside a site to the site.
func TestGeocodingForwardAndReverse(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithoutConsumer())
	put(t, svc, "maroon-bells", site("Maroon Bells Trailhead", 39.0986, -106.9406, 50))
	put(t, svc, "crested-butte", site("Crested Butte Basecamp", 38.8697, -106.9878, 50))
	put(t, svc, "rmnp", map[string]any{"name": "Rocky Mountain National Park", "kind": "park", "geometry": squareGeo(40.35, -105.7, 0.2), "time_zone": "America/Denver"})

	for q, want := range map[string]string{"maroon bells": "maroon-bells", "basecamp": "crested-butte", "marone bels": "maroon-bells", "rocky mountain": "rmnp"} {
		resp := svc.Call(CallerTrails, "GET", "/v1/geocode?q="+urlEscape(q), nil)
		var r struct{ Locations []Location }
		resp.JSON(t, &r)
		if resp.Status != http.StatusOK || len(r.Locations) == 0 || r.Locations[0].ID != want {
			t.Errorf("geocode %q = %d %s, want %s first", q, resp.Status, resp.Body, want)
		}
	}
	for _, c := range []struct {
		lat, lon float64
		want     string
		inside   bool
	}{{40.3, -105.65, "rmnp", true}, {39.1, -106.94, "maroon-bells", false}} {
		resp := svc.Call(CallerEmergency, "GET", fmt.Sprintf("/v1/geocode/reverse?lat=%v&lon=%v", c.lat, c.lon), nil)
		var n Nearby
		resp.JSON(t, &n)
		if resp.Status != http.StatusOK || n.ID != c.want || (n.DistanceMeters == 0) != c.inside {
			t.Errorf("reverse %v,%v = %d %s, want %s", c.lat, c.lon, resp.Status, resp.Body, c.want)
		}
	}
}
