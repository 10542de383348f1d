package location

import (
	"net/http"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// TestBadInputIsA400NamingTheField: invalid coordinates (latitude above 90, NaN), a
// self-intersecting polygon (PostGIS's ST_IsValid reason), a geometry that does not fit the
// kind, a radius beyond the limit and a tile outside its zoom are each a problem+json 400
// naming the field.
func TestBadInputIsA400NamingTheField(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithoutConsumer())
	bowtie := map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{-105, 39}, {-104, 40}, {-104, 39}, {-105, 40}, {-105, 39}}}}
	for _, c := range []struct {
		name, method, path string
		body               any
		field, reason      string
	}{
		{"latitude above 90", "PUT", "/v1/locations/north", site("North", 91, 0, 5), "geometry", "latitude from -90 to 90"},
		{"self-intersecting polygon", "PUT", "/v1/locations/bowtie", map[string]any{"name": "Bowtie", "kind": "park", "geometry": bowtie, "time_zone": "UTC"}, "geometry", "Self-intersection"},
		{"point for a park", "PUT", "/v1/locations/park", map[string]any{"name": "Park", "kind": "park", "geometry": pointGeo(39, -105), "time_zone": "UTC"}, "geometry", "a park must be"},
		{"unknown kind", "PUT", "/v1/locations/x", map[string]any{"name": "X", "kind": "castle", "geometry": pointGeo(39, -105)}, "kind", "must be one of"},
		{"unknown time zone", "PUT", "/v1/locations/x", map[string]any{"name": "X", "kind": "site", "geometry": pointGeo(39, -105), "time_zone": "Mars/Olympus"}, "time_zone", "IANA"},
		{"clear above alert", "PUT", "/v1/locations/x", map[string]any{"name": "X", "kind": "site", "geometry": pointGeo(39, -105), "time_zone": "UTC", "alert_percent": 80, "clear_percent": 85}, "clear_percent", "below alert_percent"},
		{"ring of three points", "PUT", "/v1/locations/x", map[string]any{"name": "X", "kind": "zone", "time_zone": "UTC",
			"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{-105, 39}, {-104, 40}, {-105, 39}}}}}, "geometry", "not a valid geometry"},
		{"NaN latitude", "GET", "/v1/nearby?lat=NaN&lon=0", nil, "lat", "finite number"},
		{"latitude above 90", "GET", "/v1/nearby?lat=90.5&lon=0", nil, "lat", "-90 to 90"},
		{"longitude missing", "GET", "/v1/nearby?lat=10", nil, "lon", "required"},
		{"radius too large", "GET", "/v1/nearby?lat=10&lon=10&radius_m=5000000", nil, "radius_m", "at most 100000 metres"},
		{"k too large", "GET", "/v1/nearby?lat=10&lon=10&k=1000", nil, "k", "from 1 to 100"},
		{"tile beyond its zoom", "GET", "/v1/tiles/3/8/1.mvt", nil, "x", "from 0 to 7 at zoom 3"},
		{"zoom too deep", "GET", "/v1/tiles/23/0/0.mvt", nil, "z", "from 0 to 22"},
		{"tile without .mvt", "GET", "/v1/tiles/3/1/1.png", nil, "y", "{y}.mvt"},
		{"party size missing", "GET", "/v1/locations/x/capacity", nil, "party_size", "required"},
		{"guest id not a uuid", "GET", "/v1/guests/nobody/position", nil, "id", "UUID"},
		{"hours with a bad time", "PUT", "/v1/locations/x/hours", map[string]any{"weekly": []any{map[string]any{"weekday": "monday", "opens": "25:00", "closes": "17:00"}}}, "weekly[0].opens", "HH:MM"},
		{"adjustment of zero", "POST", "/v1/locations/x/occupancy-adjustments", map[string]any{"reference": "r1", "delta": 0}, "delta", "non-zero"},
	} {
		resp := svc.Call(CallerOps, c.method, c.path, c.body)
		var p struct {
			Type   string `json:"type"`
			Errors []struct{ Field, Reason string }
		}
		resp.JSON(t, &p)
		found := false
		for _, e := range p.Errors {
			found = found || e.Field == c.field && strings.Contains(e.Reason, c.reason)
		}
		if resp.Status != http.StatusBadRequest || resp.Header.Get("Content-Type") != "application/problem+json" || !found {
			t.Errorf("%s: %s %s = %d %s %s; want a 400 problem naming %s (%q)", c.name, c.method, c.path, resp.Status,
				resp.Header.Get("Content-Type"), resp.Body, c.field, c.reason)
		}
	}
}

// TestCallersFollowDataOwnership: location data is read by transport, emergency response
// and trail management; a guest's position only by emergency response (and the owning
// team); capacity checks by scheduling; writes by the owning team.
func TestCallersFollowDataOwnership(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithoutConsumer())
	put(t, svc, "camp", site("Camp", 39.5, -105.5, 10))
	for _, c := range []struct {
		caller, method, path string
		status               int
	}{
		{"", "GET", "/v1/locations/camp", http.StatusUnauthorized},
		{CallerTrails, "GET", "/v1/locations/camp", http.StatusOK},
		{CallerTransport, "GET", "/v1/pickups/validation?lat=39.5&lon=-105.5", http.StatusOK},
		{CallerTrails, "GET", "/v1/pickups/validation?lat=39.5&lon=-105.5", http.StatusForbidden},
		{CallerTrails, "GET", "/v1/guests/5d2c8a56-9d44-4d8e-a0f7-3c9d1b8f2e11/position", http.StatusForbidden},
		{CallerEmergency, "GET", "/v1/guests/5d2c8a56-9d44-4d8e-a0f7-3c9d1b8f2e11/position", http.StatusNotFound},
		{CallerScheduling, "GET", "/v1/locations/camp/capacity?party_size=2", http.StatusOK},
		{CallerTransport, "GET", "/v1/locations/camp/capacity?party_size=2", http.StatusForbidden},
		{CallerTransport, "PUT", "/v1/locations/camp", http.StatusForbidden},
		{CallerEmergency, "GET", "/v1/locations/nowhere", http.StatusNotFound},
	} {
		var body any
		if c.method == "PUT" {
			body = site("Camp", 39.5, -105.5, 10)
		}
		if resp := svc.Call(c.caller, c.method, c.path, body); resp.Status != c.status {
			t.Errorf("%s %s as %q = %d %s, want %d", c.method, c.path, c.caller, resp.Status, resp.Body, c.status)
		}
	}
}
