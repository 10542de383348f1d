package analytics

import "github.com/novatrek/support/schemas"

// Safety facts: incidents, emergencies, wildlife and weather alerts, each counted once at
// its own time, by severity (category), trip and location where the event names them.

func incidentFacts(e *schemas.IncidentReported) ([]fact, error) {
	f := count(safetyMetrics, e.IncidentAt, "incidents")
	f.trip, f.location, f.reservation, f.reference, f.category = deref(e.TripID), deref(e.LocationID), deref(e.ReservationID), e.IncidentID, e.Severity
	return []fact{f}, nil
}

func emergencyFacts(e *schemas.EmergencyTriggered) ([]fact, error) {
	f := count(safetyMetrics, e.Metadata.OccurredAt, "emergencies")
	f.trip, f.location, f.reference, f.category = deref(e.TripID), deref(e.LocationID), e.EmergencyID, e.Level
	return []fact{f}, nil
}

func wildlifeFacts(e *schemas.WildlifeAlertIssued) ([]fact, error) {
	f := count(safetyMetrics, e.SightedAt, "wildlife_alerts")
	f.location, f.reference, f.category = deref(e.LocationID), e.AlertID, e.ThreatLevel
	return []fact{f}, nil
}

func weatherAlertFacts(e *schemas.WeatherAlertIssued) ([]fact, error) {
	f := count(safetyMetrics, e.Metadata.OccurredAt, "weather_alerts")
	f.location, f.reference, f.category = e.LocationID, e.AlertID, e.Severity
	return []fact{f}, nil
}
