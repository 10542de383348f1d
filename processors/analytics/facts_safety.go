package analytics

import "github.com/novatrek/support/schemas"

// Safety facts: incidents, emergencies, wildlife and weather alerts (issued, updated,
// cancelled) and svc-weather's trip risk recommendations, each counted once at its own
// time, by severity or recommendation (category), trip and location where the event names
// them.

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

func weatherAlertUpdatedFacts(e *schemas.WeatherAlertUpdated) ([]fact, error) {
	f := count(safetyMetrics, e.Metadata.OccurredAt, "weather_alert_updates")
	f.location, f.reference, f.category = e.LocationID, e.AlertID, e.Severity
	return []fact{f}, nil
}

func weatherAlertCancelledFacts(e *schemas.WeatherAlertCancelled) ([]fact, error) {
	f := count(safetyMetrics, e.CancelledAt, "weather_alert_cancellations")
	f.location, f.reference = e.LocationID, e.AlertID
	return []fact{f}, nil
}

// tripWeatherRiskFacts counts each change of a departure's weather recommendation, by the
// new recommendation: how often trips went to caution or cancel-recommended.
func tripWeatherRiskFacts(e *schemas.TripWeatherRiskChanged) ([]fact, error) {
	f := count(safetyMetrics, e.AssessedAt, "trip_weather_risk_changes")
	f.trip, f.location, f.reference, f.category = e.TripID, e.LocationID, e.DepartureID, e.Recommendation
	return []fact{f}, nil
}
