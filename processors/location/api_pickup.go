package location

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/httpedge"
)

// PickupValidation answers svc-transport-logistics' "Validate pickup location".
type PickupValidation struct {
	// Valid: the point is inside (or on the boundary of) a service area.
	Valid bool `json:"valid"`
	// ServiceArea is the area it is in, when valid.
	ServiceArea *Location `json:"service_area"`
	// NearestPickup is the nearest designated pickup point inside a service area, the
	// suggestion when the point is not valid; null when there is none.
	NearestPickup *Nearby `json:"nearest_pickup"`
}

// handleValidatePickup is GET /v1/pickups/validation?lat=&lon=. The geofence test is
// ST_Covers, so a point exactly on a service area's boundary is inside: a driver stopping on
// the boundary road is within the area.
func (a *app) handleValidatePickup(w http.ResponseWriter, r *http.Request) error {
	p := params{v: r.URL.Query()}
	lat, lon := p.point()
	if err := p.err(); err != nil {
		return err
	}
	ctx := r.Context()
	var v PickupValidation
	area, err := scanLocation(a.db.QueryRow(ctx, `SELECT `+locationColumns+` FROM locations.locations l
		WHERE l.kind = 'service_area' AND ST_Covers(l.geom, ST_SetSRID(ST_MakePoint($2, $1), 4326))
		ORDER BY ST_Area(l.geom), l.location_id LIMIT 1`, lat, lon))
	switch {
	case err == nil:
		v.Valid, v.ServiceArea = true, &area
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("pickup geofence: %w", err)
	}
	rows, err := a.db.Query(ctx, `SELECT `+locationColumns+`, ST_Distance(l.geom::geography, `+queryPoint+`, false)
		FROM locations.locations l
		WHERE l.kind = 'pickup' AND EXISTS (SELECT 1 FROM locations.locations s
			WHERE s.kind = 'service_area' AND ST_Covers(s.geom, l.geom))
		ORDER BY l.geom::geography <-> `+queryPoint+` LIMIT 1`, lat, lon)
	if err != nil {
		return fmt.Errorf("nearest pickup: %w", err)
	}
	found, err := pgx.CollectRows(rows, scanNearby)
	if err != nil {
		return fmt.Errorf("nearest pickup: %w", err)
	}
	if len(found) > 0 {
		v.NearestPickup = &found[0]
	}
	return httpedge.WriteJSON(w, http.StatusOK, v)
}
