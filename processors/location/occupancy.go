package location

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/schemas"
)

// change is one change of a location's occupancy: a check-in or an adjustment.
type change struct {
	location string
	// source and sourceID identify the change: the same check-in (or the same adjustment
	// reference) counts once, whatever event or request brings it again.
	source, sourceID string
	eventID          *string
	delta            int
	reason           string
	at               time.Time
}

// outcome is what a change did.
type outcome struct {
	// duplicate: the change was counted before; nothing changed now.
	duplicate bool
	occupancy int
	capacity  *int
	alert     string
}

var (
	errUnknownLocation = errors.New("unknown location")
	errBelowZero       = errors.New("occupancy would fall below zero")
)

// applyChange counts c in tx: the location row is locked, the change recorded in
// capacity_records (once per source id), occupancy and the alert state updated, and a
// crossing emitted as location-capacity.threshold-crossed in the same transaction, so the
// alert exists exactly when the count that caused it does.
func (a *app) applyChange(ctx context.Context, tx pgx.Tx, c change) (outcome, error) {
	var (
		name        string
		capacity    *int
		occ         int
		alerting    bool
		t           thresholds
		lat, lon    float64
		out         outcome
		newAlerting bool
	)
	err := tx.QueryRow(ctx, `SELECT name, capacity, occupancy, alerting, alert_percent, clear_percent,
			ST_Y(ST_PointOnSurface(geom)), ST_X(ST_PointOnSurface(geom))
		FROM locations.locations WHERE location_id = $1 FOR UPDATE`, c.location).
		Scan(&name, &capacity, &occ, &alerting, &t.alert, &t.clear, &lat, &lon)
	if errors.Is(err, pgx.ErrNoRows) {
		return out, fmt.Errorf("location %q: %w", c.location, errUnknownLocation)
	}
	if err != nil {
		return out, fmt.Errorf("lock location %q: %w", c.location, err)
	}
	out.capacity, out.occupancy = capacity, occ+c.delta
	if out.occupancy < 0 {
		return out, fmt.Errorf("location %q: %d%+d: %w", c.location, occ, c.delta, errBelowZero)
	}
	newAlerting = alerting
	if capacity != nil {
		newAlerting, out.alert = crossing(alerting, out.occupancy, *capacity, t)
	}
	var alert *string
	if out.alert != "" {
		alert = &out.alert
	}
	tag, err := tx.Exec(ctx, `INSERT INTO locations.capacity_records
			(location_id, source, source_id, event_id, delta, occupancy_after, alert, reason, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (source, source_id) DO NOTHING`,
		c.location, c.source, c.sourceID, c.eventID, c.delta, out.occupancy, alert, nullable(c.reason), c.at)
	if err != nil {
		return out, fmt.Errorf("record capacity change of %q: %w", c.location, err)
	}
	if tag.RowsAffected() == 0 {
		return outcome{duplicate: true, occupancy: occ, capacity: capacity}, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE locations.locations SET occupancy = $2, alerting = $3 WHERE location_id = $1`,
		c.location, out.occupancy, newAlerting); err != nil {
		return out, fmt.Errorf("update occupancy of %q: %w", c.location, err)
	}
	if out.alert == "" {
		return out, nil
	}
	percent := t.alert
	if out.alert == dirFalling {
		percent = t.clear
	}
	err = a.emit.Emit(ctx, tx, &schemas.LocationCapacityThresholdCrossed{
		LocationID: c.location, LocationName: name, Position: schemas.GeoPoint{Latitude: lat, Longitude: lon},
		CurrentOccupancy: out.occupancy, Capacity: *capacity, ThresholdPercent: percent, Direction: out.alert,
		Level: level(newAlerting, out.occupancy, *capacity), MeasuredAt: c.at.UTC().Truncate(time.Millisecond),
	})
	return out, err
}

// nullable is s, or NULL when empty.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
