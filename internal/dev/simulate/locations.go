package simulate

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The departure locations, as svc-location-services knows them: the team that owns them
// (caller locations-ops) creates each trip's site with its capacity, a pickup point and the
// pickup service area around it, and the trip's trails as lines, before any check-in
// names them (Generator.Setup). The other domains then read them: capacity checks
// (svc-scheduling-orchestrator), pickup validation (svc-transport-logistics), trail
// coordinates (svc-trail-management), guests' last positions (svc-emergency-response);
// check-outs come back as occupancy adjustments.

// locationsOwner is the caller that manages locations in svc-location-services.
const locationsOwner = "locations-ops"

// serviceAreaHalf is half the side of a site's pickup service area, in degrees of
// latitude (about 6 km): the towns and campgrounds transport picks guests up from.
const serviceAreaHalf = 0.055

// Setup returns the calls the owning domains make once, before the traffic: the departure
// locations of the catalog (see the file comment). They are PUTs, so a second run against
// the same store replaces them with the same values.
func (g *Generator) Setup() []Call {
	var calls []Call
	for i := range trips {
		t := &trips[i]
		calls = append(calls,
			putLocation(t.location, siteName(t), "site", point(t.lon, t.lat), t.capacity),
			putLocation(t.location+"-PICKUP", siteName(t)+" pickup", "pickup", point(t.lon+0.004, t.lat-0.003), 0),
			putLocation(t.location+"-AREA", siteName(t)+" pickup area", "service_area", square(t.lat, t.lon, serviceAreaHalf), 0))
		for j, trail := range t.trails {
			calls = append(calls, putLocation(trail, trailName(trail), "trail", trailLine(t, j), 0))
		}
	}
	return calls
}

// putLocation is locations-ops' PUT of one location; capacity 0 leaves it without one.
func putLocation(id, name, kind string, geometry map[string]any, capacity int) Call {
	body := map[string]any{"name": name, "kind": kind, "geometry": geometry}
	if capacity > 0 {
		body["capacity"] = capacity
	}
	b, _ := json.Marshal(body) // maps of strings, numbers and slices always marshal
	return Call{Route: RouteLocation, Method: http.MethodPut, Path: "/v1/locations/" + url.PathEscape(id),
		Caller: locationsOwner, Body: b}
}

func siteName(t *trip) string { return titleWords(t.location[len("LOC-"):]) + " departure point" }

func trailName(id string) string { return titleWords(id[len("TRL-"):]) + " trail" }

// titleWords turns "LEES-FERRY" into "Lees Ferry".
func titleWords(s string) string {
	out := []byte{}
	upper := true
	for _, c := range []byte(s) {
		switch {
		case c == '-':
			c, upper = ' ', true
		case upper:
			upper = false
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	return string(out)
}

func point(lon, lat float64) map[string]any {
	return map[string]any{"type": "Point", "coordinates": []float64{round6(lon), round6(lat)}}
}

// square is the polygon of half-side half (degrees of latitude) around (lat, lon), as wide
// on the ground as it is high.
func square(lat, lon, half float64) map[string]any {
	dLon := half / math.Cos(lat*math.Pi/180)
	ring := [][]float64{
		{round6(lon - dLon), round6(lat - half)}, {round6(lon + dLon), round6(lat - half)},
		{round6(lon + dLon), round6(lat + half)}, {round6(lon - dLon), round6(lat + half)},
		{round6(lon - dLon), round6(lat - half)},
	}
	return map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}}
}

// trailLine is trail j of t: a line of eight vertices about 1.2 km apart leaving the
// site, each trail of a site in its own direction, winding a little.
func trailLine(t *trip, j int) map[string]any {
	heading := float64(j)*2.1 + float64(len(t.location))*0.7 // radians; fixed per trail
	lat, lon := t.lat+0.002, t.lon+0.002
	coords := make([][]float64, 0, 8)
	for k := range 8 {
		coords = append(coords, []float64{round6(lon), round6(lat)})
		h := heading + 0.35*math.Sin(float64(k))
		lat += 0.011 * math.Cos(h)
		lon += 0.011 * math.Sin(h) / math.Cos(lat*math.Pi/180)
	}
	return map[string]any{"type": "LineString", "coordinates": coords}
}

// round6 keeps six decimals (about 10 cm): what a surveyed coordinate carries.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// capacityCheck: the orchestrator asks whether a party fits at a site when it plans the
// departure (made before the event being built).
func (g *Generator) capacityCheck(t *trip, party int, at time.Time) {
	q := url.Values{"party_size": {strconv.Itoa(party)}, "at": {at.UTC().Format(time.RFC3339)}}
	g.before = append(g.before, Call{Route: RouteCapacity, Method: http.MethodGet, Caller: "svc-scheduling-orchestrator",
		Path: "/v1/locations/" + url.PathEscape(t.location) + "/capacity?" + q.Encode()})
}

// pickupCheck: transport validates the pickup point a party asked for, mostly in town
// near the site, now and then far outside any service area (which it then refuses).
func (g *Generator) pickupCheck(t *trip) {
	lat, lon := t.lat+jitter(g)*15, t.lon+jitter(g)*15
	if g.chance(0.1) {
		lat, lon = t.lat+0.3+jitter(g)*20, t.lon-0.3+jitter(g)*20
	}
	q := url.Values{"lat": {fmt.Sprintf("%.5f", lat)}, "lon": {fmt.Sprintf("%.5f", lon)}}
	g.before = append(g.before, Call{Route: RoutePickup, Method: http.MethodGet, Caller: "svc-transport-logistics",
		Path: "/v1/pickups/validation?" + q.Encode()})
}

// trailCoordinates: trail management fetches a trail's line (to mark a closure, a
// sighting's trails) at a map zoom.
func (g *Generator) trailCoordinates(trail string) {
	g.before = append(g.before, Call{Route: RouteTrail, Method: http.MethodGet, Caller: "svc-trail-management",
		Path: "/v1/trails/" + url.PathEscape(trail) + "/coordinates?zoom=" + strconv.Itoa(11+g.rng.IntN(5))})
}

// lastPosition: emergency response looks up where a guest was last seen, right after the
// emergency is raised; only for guests whose app has reported a fix that has settled, the
// others have no known position yet (404).
func (g *Generator) lastPosition(guestID string) {
	if at, ok := g.positioned[guestID]; !ok || !g.settled(at) {
		return
	}
	g.after = append(g.after, Call{Route: RoutePosition, Method: http.MethodGet, Caller: "svc-emergency-response",
		Path: "/v1/guests/" + url.PathEscape(guestID) + "/position"})
}

// settleEvents is how many events the generator lets pass before a call builds on an
// earlier event (a check-out on its check-in, a position read on the guest's first fix):
// the call goes straight to the service while the event waits its turn in the consumer's
// lag, so a call right behind its event would meet a service that has not seen it yet (a
// check-out taking the occupancy below zero, a 404). In events, not time, because the lag
// grows with the rate: 200 events are 40 s at 5/s, 4 s at 50/s.
const settleEvents = 200

// settled reports whether the event made at event count seq is settleEvents behind.
func (g *Generator) settled(seq int) bool { return g.seq-seq >= settleEvents }

// firstFix remembers when a guest's app first reported a position.
func (g *Generator) firstFix(guestID string) {
	if _, ok := g.positioned[guestID]; !ok {
		g.positioned[guestID] = g.seq
	}
}

// checkOut: the party leaves the site at the end of its trip; the check-in desk records it
// as an occupancy adjustment referencing the check-in, so it counts once.
func (g *Generator) checkOut(r *reservation) {
	if r.checkinID == "" {
		return
	}
	g.world.occupancy[r.trip.location] -= r.party
	b, _ := json.Marshal(map[string]any{"reference": "checkout-" + r.checkinID, "delta": -r.party, "reason": "check-out"})
	g.after = append(g.after, Call{Route: RouteAdjust, Method: http.MethodPost, Caller: locationsOwner, Body: b,
		Path: "/v1/locations/" + url.PathEscape(r.trip.location) + "/occupancy-adjustments"})
}
