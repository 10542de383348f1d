package location

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/store"
)

// Location is the API's view of a location.
type Location struct {
	ID             string          `json:"location_id"`
	Name           string          `json:"name"`
	Kind           string          `json:"kind"`
	Geometry       json.RawMessage `json:"geometry"`
	Center         Point           `json:"center"`
	TimeZone       string          `json:"time_zone"`
	TimeZoneSource string          `json:"time_zone_source"`
	Capacity       *int            `json:"capacity"`
	Occupancy      int             `json:"occupancy"`
	AlertPercent   int             `json:"alert_percent"`
	ClearPercent   int             `json:"clear_percent"`
	Alerting       bool            `json:"alerting"`
	Version        int64           `json:"version"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// Point is a WGS 84 position in the API.
type Point struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// locationColumns select a Location from locations l (scanLocation's order). center is a
// point on the surface, inside even a crescent-shaped park, so it can stand for the place.
const locationColumns = `l.location_id, l.name, l.kind, ST_AsGeoJSON(l.geom, 7)::text,
	ST_Y(ST_PointOnSurface(l.geom)), ST_X(ST_PointOnSurface(l.geom)), l.time_zone, l.time_zone_source,
	l.capacity, l.occupancy, l.alert_percent, l.clear_percent, l.alerting, l.version, l.updated_at`

func scanLocation(row pgx.Row, extra ...any) (Location, error) {
	var l Location
	var geom string
	err := row.Scan(append([]any{&l.ID, &l.Name, &l.Kind, &geom, &l.Center.Latitude, &l.Center.Longitude, &l.TimeZone,
		&l.TimeZoneSource, &l.Capacity, &l.Occupancy, &l.AlertPercent, &l.ClearPercent, &l.Alerting, &l.Version, &l.UpdatedAt}, extra...)...)
	l.Geometry = json.RawMessage(geom)
	return l, err
}

// getLocation is the location id, or a 404 fault.
func getLocation(ctx context.Context, db store.DB, id string) (Location, error) {
	l, err := scanLocation(db.QueryRow(ctx, `SELECT `+locationColumns+` FROM locations.locations l WHERE l.location_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return l, fault.NotFound(fmt.Sprintf("There is no location %q.", id))
	}
	if err != nil {
		return l, fmt.Errorf("read location %q: %w", id, err)
	}
	return l, nil
}
