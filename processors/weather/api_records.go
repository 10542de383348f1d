package weather

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/novatrek/support/internal/platform/httpedge"
)

// The endpoints answered from the store alone: history, alerts and stations.

// stationJSON is a station with its distance from the asked point.
type stationJSON struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Lat        float64 `json:"lat"`
	Lon        float64 `json:"lon"`
	DistanceKm float64 `json:"distance_km"`
}

// alertJSON is an alert message as the API shows it.
type alertJSON struct {
	AlertID     string    `json:"alert_id"`
	MessageID   string    `json:"message_id"`
	MessageType string    `json:"message_type"`
	Event       string    `json:"event"`
	AlertType   string    `json:"alert_type"`
	Severity    string    `json:"severity"`
	Status      string    `json:"status"`
	Headline    string    `json:"headline"`
	Description string    `json:"description"`
	Sent        time.Time `json:"sent"`
	Effective   time.Time `json:"effective"`
	Expires     time.Time `json:"expires"`
	AreaCenter  cellJSON  `json:"area_center"`
	RadiusKm    float64   `json:"radius_km"`
}

// alertColumns and scanAlert read alert_history rows as alertJSON.
const alertColumns = `chain_id::text, message_id::text, message_type, event, alert_type, severity, status, headline,
	description, sent, effective, expires, area_lat, area_lon, radius_km`

func scanAlert(r pgx.CollectableRow) (alertJSON, error) {
	var a alertJSON
	err := r.Scan(&a.AlertID, &a.MessageID, &a.MessageType, &a.Event, &a.AlertType, &a.Severity, &a.Status, &a.Headline,
		&a.Description, &a.Sent, &a.Effective, &a.Expires, &a.AreaCenter.Lat, &a.AreaCenter.Lon, &a.RadiusKm)
	return a, err
}

// near is the SQL condition "the alert's area reaches within $radius km of ($lat, $lon)",
// by the haversine distance between centres (no PostGIS needed for a few hundred rows).
const near = `6371 * 2 * asin(sqrt(power(sin(radians(area_lat - $1) / 2), 2) +
	cos(radians($1)) * cos(radians(area_lat)) * power(sin(radians(area_lon - $2) / 2), 2))) <= $3 + radius_km`

// getAlerts serves the active alerts (latest message of each uncancelled, unexpired chain)
// whose area reaches within radius_km (default 50) of a point or known area.
func (a *app) getAlerts(w http.ResponseWriter, r *http.Request) error {
	p, _, err := a.where(r)
	if err != nil {
		return err
	}
	radius, err := intParam(r.URL.Query(), "radius_km", 50, 0, 500)
	if err != nil {
		return err
	}
	rows, err := a.db.Query(r.Context(), `SELECT `+alertColumns+` FROM weather.alert_history
		WHERE status = 'active' AND expires > $4 AND `+near+` ORDER BY sent DESC`, p.Lat, p.Lon, radius, a.now())
	if err != nil {
		return err
	}
	alerts, err := pgx.CollectRows(rows, scanAlert)
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, map[string]any{"alerts": nonNil(alerts)})
}

// getHistory serves svc-trail-management's "Correlate weather data": the observations of
// the stations within radius_km (default 25) of a point or area, and every alert message
// whose area reached it, over [from, to) of at most MaxHistory.
func (a *app) getHistory(w http.ResponseWriter, r *http.Request) error {
	p, _, err := a.where(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	from, err := timeParam(q, "from")
	if err != nil {
		return err
	}
	to, err := timeParam(q, "to")
	if err != nil {
		return err
	}
	switch {
	case !to.After(from):
		return invalidField("to", "must be after from")
	case to.Sub(from) > MaxHistory:
		return invalidField("to", "must be at most 31 days after from")
	}
	radius, err := intParam(q, "radius_km", 25, 0, 200)
	if err != nil {
		return err
	}
	rows, err := a.db.Query(r.Context(), `SELECT o.body FROM weather.observations o JOIN weather.weather_stations s USING (station_id)
		WHERE o.observed_at >= $4 AND o.observed_at < $5 AND `+stationsNear+` ORDER BY o.observed_at`, p.Lat, p.Lon, radius, from, to)
	if err != nil {
		return err
	}
	observations, err := pgx.CollectRows(rows, pgx.RowTo[json.RawMessage])
	if err != nil {
		return err
	}
	rows, err = a.db.Query(r.Context(), `SELECT `+alertColumns+` FROM weather.alert_history
		WHERE effective < $5 AND expires > $4 AND `+near+` ORDER BY sent`, p.Lat, p.Lon, radius, from, to)
	if err != nil {
		return err
	}
	alerts, err := pgx.CollectRows(rows, scanAlert)
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, map[string]any{"from": from.UTC(), "to": to.UTC(), "observations": nonNil(observations), "alerts": nonNil(alerts)})
}

// stationsNear is the SQL condition "station s is within $3 km of ($1, $2)".
const stationsNear = `6371 * 2 * asin(sqrt(power(sin(radians(s.latitude - $1) / 2), 2) +
	cos(radians($1)) * cos(radians(s.latitude)) * power(sin(radians(s.longitude - $2) / 2), 2))) <= $3`

// getStations serves the observation stations known within radius_km (default 100) of a
// point or area, nearest first. Stations are learnt as cells are first read.
func (a *app) getStations(w http.ResponseWriter, r *http.Request) error {
	p, _, err := a.where(r)
	if err != nil {
		return err
	}
	radius, err := intParam(r.URL.Query(), "radius_km", 100, 0, 1000)
	if err != nil {
		return err
	}
	rows, err := a.db.Query(r.Context(), `SELECT station_id, name, latitude, longitude FROM weather.weather_stations s
		WHERE `+stationsNear, p.Lat, p.Lon, radius)
	if err != nil {
		return err
	}
	stations, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (stationJSON, error) {
		var s stationJSON
		err := r.Scan(&s.ID, &s.Name, &s.Lat, &s.Lon)
		s.DistanceKm = float64(int(p.distanceKm(Point{s.Lat, s.Lon})*10)) / 10
		return s, err
	})
	if err != nil {
		return err
	}
	slices.SortFunc(stations, func(x, y stationJSON) int { return cmp.Compare(x.DistanceKm, y.DistanceKm) })
	return httpedge.WriteJSON(w, http.StatusOK, map[string]any{"stations": nonNil(stations)})
}

// nonNil makes an empty list [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
