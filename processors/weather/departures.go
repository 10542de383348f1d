package weather

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/processors/weather/nws"
	"github.com/novatrek/support/schemas"
)

// departure is a scheduled departure as departures holds it.
type departure struct {
	ID, TripID, LocationID, ScheduleID string
	StartsAt, EndsAt                   time.Time
	last                               *assessment
}

// onSchedulePublished records the day's departures (several guides share one departure)
// and assesses each, emitting the first recommendation. A departure with its end not
// after its start is poison: the schedule goes to the dead-letter topic with the reason.
// An older revision than the one stored changes nothing (a replay cannot move it back).
func (a *app) onSchedulePublished(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.SchedulePublished]) error {
	s := ev.Value
	seen := map[string]bool{}
	for i, as := range s.Assignments {
		if as.DepartureID == "" || as.LocationID == "" {
			return stream.Permanent(fmt.Errorf("schedule %s assignment %d: departure_id and location_id are required", s.ScheduleID, i))
		}
		if !as.EndsAt.After(as.StartsAt) {
			return stream.Permanent(fmt.Errorf("schedule %s assignment %d (departure %s): ends_at %s is not after starts_at %s",
				s.ScheduleID, i, as.DepartureID, as.EndsAt.Format(time.RFC3339), as.StartsAt.Format(time.RFC3339)))
		}
		if seen[as.DepartureID] {
			continue
		}
		seen[as.DepartureID] = true
		d := departure{ID: as.DepartureID, TripID: as.TripID, LocationID: as.LocationID, ScheduleID: s.ScheduleID,
			StartsAt: as.StartsAt.UTC(), EndsAt: as.EndsAt.UTC()}
		var rec *string
		var reasons []byte
		err := tx.QueryRow(ctx, `WITH old AS (SELECT recommendation, reasons FROM weather.departures WHERE departure_id = $1)
			INSERT INTO weather.departures AS d (departure_id, trip_id, location_id, schedule_id, revision, starts_at, ends_at, event_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (departure_id) DO UPDATE SET trip_id = excluded.trip_id, location_id = excluded.location_id,
				schedule_id = excluded.schedule_id, revision = excluded.revision, starts_at = excluded.starts_at,
				ends_at = excluded.ends_at, event_id = excluded.event_id
			WHERE d.revision <= excluded.revision
			RETURNING (SELECT recommendation FROM old), (SELECT reasons FROM old)`,
			d.ID, d.TripID, d.LocationID, d.ScheduleID, s.Revision, d.StartsAt, d.EndsAt, ev.Meta.EventID).Scan(&rec, &reasons)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // a newer revision is stored
		}
		if err != nil {
			return fmt.Errorf("weather: record departure %s: %w", d.ID, err)
		}
		if d.last, err = lastAssessment(rec, reasons); err != nil {
			return fmt.Errorf("weather: departure %s: %w", d.ID, err)
		}
		if err := a.reassess(ctx, tx, d, ev.Meta.EventID); err != nil {
			return err
		}
	}
	return nil
}

// lastAssessment is the stored recommendation and reasons of a departure; nil before its
// first assessment.
func lastAssessment(rec *string, reasons []byte) (*assessment, error) {
	if rec == nil {
		return nil, nil
	}
	last := &assessment{Recommendation: *rec}
	if err := json.Unmarshal(reasons, &last.Reasons); err != nil {
		return nil, fmt.Errorf("stored reasons: %w", err)
	}
	return last, nil
}

// reassess assesses d now and, when the result differs from the last one emitted, stores
// it, logs it and emits trip-weather-risk.changed in tx. A forecast the provider cannot give
// now leaves d UNASSESSED, never fails the caller: the assess worker tries again.
func (a *app) reassess(ctx context.Context, tx pgx.Tx, d departure, cause string) error {
	now := a.now()
	var area Point
	var activity string
	err := tx.QueryRow(ctx, `SELECT latitude, longitude, activity FROM weather.areas WHERE location_id = $1`, d.LocationID).
		Scan(&area.Lat, &area.Lon, &activity)
	var result assessment
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		activity = "unknown"
		result = assessment{Recommendation: Unassessed, Reasons: []reason{{Factor: "unassessed", Level: Unassessed,
			Detail: "location " + d.LocationID + " is not a known area (weather.areas)"}}}
	case err != nil:
		return fmt.Errorf("weather: area of %s: %w", d.LocationID, err)
	default:
		if result, err = a.assessAt(ctx, tx, d, area, activity); err != nil {
			return err
		}
	}
	if d.last != nil && d.last.same(result) {
		return nil
	}
	reasons, err := json.Marshal(result.Reasons)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE weather.departures SET recommendation = $2, reasons = $3, assessed_at = $4 WHERE departure_id = $1`,
		d.ID, result.Recommendation, reasons, now); err != nil {
		return fmt.Errorf("weather: store assessment of %s: %w", d.ID, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO weather.assessment_log (departure_id, cause, recommendation, reasons, assessed_at)
		VALUES ($1, $2, $3, $4, $5)`, d.ID, cause, result.Recommendation, reasons, now); err != nil {
		return fmt.Errorf("weather: log assessment of %s: %w", d.ID, err)
	}
	out := &schemas.TripWeatherRiskChanged{DepartureID: d.ID, TripID: d.TripID, LocationID: d.LocationID, ScheduleID: d.ScheduleID,
		Activity: activity, StartsAt: d.StartsAt, EndsAt: d.EndsAt, Recommendation: result.Recommendation,
		Reasons: []schemas.WeatherRiskReason{}, AssessedAt: now.UTC().Truncate(time.Millisecond)}
	if d.last != nil {
		prev := d.last.Recommendation
		out.PreviousRecommendation = &prev
	}
	for _, r := range result.Reasons {
		out.Reasons = append(out.Reasons, schemas.WeatherRiskReason{Factor: r.Factor, Level: r.Level, Value: r.Value,
			Threshold: r.Threshold, Detail: r.Detail})
	}
	return a.emit.Emit(ctx, tx, out)
}

// assessAt judges d at area with activity's thresholds, the cached forecast and the alerts
// in force at its location.
func (a *app) assessAt(ctx context.Context, tx pgx.Tx, d departure, area Point, activity string) (assessment, error) {
	th, err := thresholds(ctx, tx, activity)
	if err != nil {
		return assessment{}, err
	}
	alerts, err := alertsInForce(ctx, tx, d.LocationID, a.now())
	if err != nil {
		return assessment{}, err
	}
	var f *nws.Forecast
	if r, err := a.fetch.read(ctx, a.forecast, area); err != nil {
		a.log.Warn("weather: no forecast for an assessment; the departure stays unassessed until one is available",
			"departure_id", d.ID, "location_id", d.LocationID, "err", err)
	} else {
		f = new(nws.Forecast)
		if err := json.Unmarshal(r.Data, f); err != nil {
			return assessment{}, fmt.Errorf("weather: cached forecast: %w", err)
		}
	}
	result := assess(f, alerts, th, d.StartsAt, d.EndsAt)
	if f == nil && result.Recommendation == Unassessed {
		result.Reasons[0].Detail = "no forecast is available (provider unreachable and nothing cached)"
	}
	return result, nil
}

// thresholds are activity's rows of risk_thresholds over the '*' defaults.
func thresholds(ctx context.Context, tx pgx.Tx, activity string) ([]threshold, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT ON (factor) factor, direction = 'below', caution, cancel
		FROM weather.risk_thresholds WHERE activity IN ($1, '*') ORDER BY factor, activity = '*'`, activity)
	if err != nil {
		return nil, fmt.Errorf("weather: thresholds of %s: %w", activity, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (threshold, error) {
		var t threshold
		return t, r.Scan(&t.Factor, &t.Below, &t.Caution, &t.Cancel)
	})
}
