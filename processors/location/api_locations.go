package location

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
)

// handleGetLocation is GET /v1/locations/{id}: the location with its geometry as GeoJSON,
// live occupancy and time zone.
func (a *app) handleGetLocation(w http.ResponseWriter, r *http.Request) error {
	l, err := getLocation(r.Context(), a.db, r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, l)
}

// handlePutLocation is PUT /v1/locations/{id}: creates (201) or replaces (200) a location.
// Occupancy survives a replacement: it is counted, not declared; a change of capacity or
// thresholds re-evaluates the alert (reconfigured). Every write takes a new version, which
// changes every map tile's ETag.
func (a *app) handlePutLocation(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), r.PathValue("id")
	var in LocationInput
	if err := httpedge.DecodeJSON(r, &in); err != nil {
		return err
	}
	v, err := in.check(ctx, a.db, id)
	if err != nil {
		return err
	}
	zone := in.TimeZone
	if v.needsLookup {
		if zone, err = zoneAt(v.lat, v.lon); err != nil {
			return fault.Unprocessable("time-zone-unknown", "No time zone found",
				"No time zone is known at the location's coordinates; give time_zone.").Because(err)
		}
	}
	var created bool
	var l Location
	err = pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		var before *limits
		var old limits
		switch err := tx.QueryRow(ctx, `SELECT capacity, alert_percent, clear_percent FROM locations.locations
			WHERE location_id = $1 FOR UPDATE`, id).Scan(&old.capacity, &old.alert, &old.clear); {
		case err == nil:
			before = &old
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		var err error
		l, err = scanLocation(tx.QueryRow(ctx, `INSERT INTO locations.locations AS l
				(location_id, name, kind, geom, time_zone, time_zone_source, capacity, alert_percent, clear_percent)
			VALUES ($1, $2, $3, ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326), $5, $6, $7, $8, $9)
			ON CONFLICT (location_id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, geom = EXCLUDED.geom,
				time_zone = EXCLUDED.time_zone, time_zone_source = EXCLUDED.time_zone_source, capacity = EXCLUDED.capacity,
				alert_percent = EXCLUDED.alert_percent, clear_percent = EXCLUDED.clear_percent,
				version = nextval('locations.location_version'), updated_at = now()
			RETURNING `+locationColumns+`, (xmax = 0)`,
			id, in.Name, in.Kind, string(v.geojson), zone, v.zoneSource, in.Capacity, v.alert, v.clr), &created)
		if err != nil || before == nil || before.same(limits{l.Capacity, l.AlertPercent, l.ClearPercent}) {
			return err
		}
		return a.reconfigured(ctx, tx, &l)
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return httpedge.WriteJSON(w, status, l)
}

// limits are what decides a location's alert state besides its occupancy.
type limits struct {
	capacity     *int
	alert, clear int
}

func (x limits) same(y limits) bool {
	sameCapacity := x.capacity == nil && y.capacity == nil || x.capacity != nil && y.capacity != nil && *x.capacity == *y.capacity
	return sameCapacity && x.alert == y.alert && x.clear == y.clear
}

// reconfigured re-evaluates the alert state of l, whose capacity or thresholds just changed,
// as an occupancy change of 0 recorded as a reconfiguration: halving the capacity of a busy
// site raises its alert now, not at the next check-in. l is read again with the new state.
func (a *app) reconfigured(ctx context.Context, tx pgx.Tx, l *Location) error {
	if _, err := a.applyChange(ctx, tx, change{location: l.ID, source: "reconfiguration",
		sourceID: fmt.Sprintf("%s@%d", l.ID, l.Version), reason: "capacity or thresholds changed", at: a.now()}); err != nil {
		return err
	}
	var err error
	*l, err = getLocation(ctx, tx, l.ID)
	return err
}
