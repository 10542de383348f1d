package simulate

import (
	"time"

	"github.com/novatrek/support/schemas"
)

// Safety: incidents (svc-safety-compliance), emergencies (svc-emergency-response), wildlife
// alerts (svc-wildlife-tracking) and ranger alerts (svc-trail-management), each with the
// notification requests the spec lists for it.

var incidentCategories = []string{"INJURY", "ILLNESS", "EQUIPMENT_FAILURE", "ENVIRONMENTAL", "NEAR_MISS", "OTHER"}

var incidentDescriptions = map[string]string{
	"INJURY":            "Guest twisted an ankle on a descent; splinted by the guide.",
	"ILLNESS":           "Guest showed signs of heat exhaustion; rested and rehydrated.",
	"EQUIPMENT_FAILURE": "Raft valve failed at a rapid; swapped for a spare.",
	"ENVIRONMENTAL":     "Rockfall across the trail; group rerouted.",
	"NEAR_MISS":         "Guest slipped near an exposed edge; no injury.",
	"OTHER":             "Group separated briefly at a junction; regrouped.",
}

// onTrip returns a party out on a trip, or nil when nobody is.
func (g *Generator) onTrip() *reservation {
	r, _ := g.world.checkedIn.pick(g.rng)
	return r
}

// incident: reported by a guide, about a party on a trip when there is one. HIGH and
// CRITICAL incidents send a safety alert; a CRITICAL one escalates into an emergency half
// the time.
func (g *Generator) incident(now time.Time) (Event, error) {
	severity := "LOW"
	switch x := g.rng.IntN(100); {
	case x >= 95:
		severity = "CRITICAL"
	case x >= 80:
		severity = "HIGH"
	case x >= 50:
		severity = "MODERATE"
	}
	category := g.oneOf(incidentCategories)
	ev := &schemas.IncidentReported{
		IncidentID: g.id("incident"), Severity: severity, Category: category, IncidentAt: now.Add(-time.Duration(g.rng.IntN(30)) * time.Minute),
		ReportedBy: g.oneOf(guides), Description: incidentDescriptions[category], InvolvedGuestIds: []string{},
	}
	g.named("GUIDE", ev.ReportedBy)
	f := g.newFlow()
	r := g.onTrip()
	if r != nil {
		f = r.flow
		ev.TripID, ev.ReservationID, ev.LocationID = &r.trip.id, &r.id, &r.trip.location
		ev.Position = &schemas.GeoPoint{Latitude: r.trip.lat + jitter(g)*10, Longitude: r.trip.lon + jitter(g)*10}
		ev.InvolvedGuestIds = []string{r.guestID}
	}
	id := ev.IncidentID
	if severity == "HIGH" || severity == "CRITICAL" {
		g.then(func(now time.Time) (Event, error) {
			return g.request(now, "svc-safety-compliance", "SAFETY_ALERT", id, f, severity,
				map[string]string{"severity": severity, "category": category})
		})
	}
	if severity == "CRITICAL" && g.chance(0.5) {
		g.then(func(now time.Time) (Event, error) { return g.emergency(now, &id, r) })
	}
	return g.emit(now, f, &ev.Metadata, ev)
}

// emergency: triggered by emergency response, escalated from an incident or on its own
// (severe weather, a missing person, ...). Staff and guests are alerted; the rescue team
// hears when it is dispatched.
func (g *Generator) emergency(now time.Time, incidentID *string, r *reservation) (Event, error) {
	typ := "MEDICAL"
	if incidentID == nil {
		typ = g.oneOf([]string{"MEDICAL", "MISSING_PERSON", "SEVERE_WEATHER", "WILDFIRE", "WILDLIFE", "EVACUATION"})
		r = g.onTrip()
	}
	ev := &schemas.EmergencyTriggered{
		EmergencyID: g.id("emergency"), IncidentID: incidentID, EmergencyType: typ,
		Level: []string{"LEVEL_1", "LEVEL_1", "LEVEL_2", "LEVEL_3"}[g.rng.IntN(4)], AffectedGuestIds: []string{},
		AffectedGuideIds: []string{g.oneOf(guides)}, TriggeredBy: g.oneOf(staff), RescueTeamDispatched: g.chance(0.6),
		Instructions: ptr("Move to the nearest muster point and follow your guide."),
	}
	for _, id := range ev.AffectedGuideIds { // emergency.triggered alerts them
		g.named("GUIDE", id)
	}
	g.named("STAFF", ev.TriggeredBy)
	f := g.newFlow()
	to := []schemas.Recipient{}
	if r != nil {
		f = r.flow
		ev.TripID, ev.LocationID = &r.trip.id, &r.trip.location
		ev.LastKnownPosition = &schemas.GeoPoint{Latitude: r.trip.lat + jitter(g)*20, Longitude: r.trip.lon + jitter(g)*20}
		ev.AffectedGuestIds = []string{r.guestID}
		to = append(to, guestTo(r.guestID))
		g.lastPosition(r.guestID)
	}
	id, dispatched := ev.EmergencyID, ev.RescueTeamDispatched
	g.then(func(now time.Time) (Event, error) {
		return g.request(now, "svc-emergency-response", "EMERGENCY_ALERT", id, f, "CRITICAL",
			map[string]string{"emergency_type": typ}, to...)
	})
	if dispatched {
		g.then(func(now time.Time) (Event, error) {
			return g.request(now, "svc-emergency-response", "RESCUE_TEAM_DISPATCH", id, f, "CRITICAL",
				map[string]string{"emergency_type": typ})
		})
	}
	return g.emit(now, f, &ev.Metadata, ev)
}

// wildlifeAlert: a confirmed sighting near a trip's trails; operations staff and active
// guides are alerted, and rangers when the threat is high.
func (g *Generator) wildlifeAlert(now time.Time) (Event, error) {
	t := &trips[g.rng.IntN(len(trips))]
	s := wildlife[g.rng.IntN(len(wildlife))]
	threat := []string{"LOW", "MODERATE", "MODERATE", "HIGH", "EXTREME"}[g.rng.IntN(5)]
	ev := &schemas.WildlifeAlertIssued{
		AlertID: g.id("wildlife"), Species: s.name, ThreatLevel: threat,
		SightingPosition: schemas.GeoPoint{Latitude: t.lat + jitter(g)*20, Longitude: t.lon + jitter(g)*20},
		RadiusMeters:     s.radius, LocationID: &t.location, TrailIds: t.trails,
		SightedAt: now.Add(-time.Duration(g.rng.IntN(20)) * time.Minute), ExpiresAt: ptr(now.Add(12 * time.Hour)),
		ReportedBy: g.oneOf(guides), Guidance: &s.guidance,
	}
	g.named("GUIDE", ev.ReportedBy)
	g.trailCoordinates(t.trails[0])
	f := g.newFlow()
	id := ev.AlertID
	g.then(func(now time.Time) (Event, error) {
		return g.request(now, "svc-wildlife-tracking", "WILDLIFE_ALERT", id, f, "HIGH",
			map[string]string{"species": s.name, "threat_level": threat})
	})
	if threat == "HIGH" || threat == "EXTREME" {
		g.then(func(now time.Time) (Event, error) {
			return g.request(now, "svc-trail-management", "PARK_RANGER_ALERT", id, f, "HIGH",
				map[string]string{"species": s.name, "trail_id": t.trails[0]})
		})
	}
	return g.emit(now, f, &ev.Metadata, ev)
}

// parkRangerAlert: trail management asks rangers for help on a trail (a closure, a rescue).
func (g *Generator) parkRangerAlert(now time.Time) (Event, error) {
	t := &trips[g.rng.IntN(len(trips))]
	trail := t.trails[g.rng.IntN(len(t.trails))]
	g.trailCoordinates(trail)
	return g.request(now, "svc-trail-management", "PARK_RANGER_ALERT", trail, g.newFlow(), "HIGH",
		map[string]string{"trail_id": trail, "issue": g.oneOf([]string{"trail washout", "downed trees", "hiker overdue"})})
}
