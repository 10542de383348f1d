package location

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
)

// TrailCoordinates answers svc-trail-management's "Get trail coordinates": the trail as a
// GeoJSON line, simplified for a zoom level when one is asked.
type TrailCoordinates struct {
	LocationID string          `json:"location_id"`
	Name       string          `json:"name"`
	Zoom       *int            `json:"zoom"`
	Geometry   json.RawMessage `json:"geometry"`
	Points     int             `json:"points"`
	// LengthMeters is the full trail's length on the sphere, whatever the simplification.
	LengthMeters float64 `json:"length_m"`
}

// toleranceAt is the simplification tolerance in degrees at zoom z: one pixel of a 256-pixel
// tile at the equator, so a simplified line is indistinguishable on screen at that zoom.
func toleranceAt(z int) float64 { return 360 / (256 * math.Pow(2, float64(z))) }

// handleTrailCoordinates is GET /v1/trails/{id}/coordinates[?zoom=0..22].
func (a *app) handleTrailCoordinates(w http.ResponseWriter, r *http.Request) error {
	p := params{v: r.URL.Query()}
	zoom := p.integer("zoom", -1, 0, 22)
	if err := p.err(); err != nil {
		return err
	}
	id := r.PathValue("id")
	tolerance := 0.0
	t := TrailCoordinates{LocationID: id}
	if zoom >= 0 {
		tolerance, t.Zoom = toleranceAt(zoom), &zoom
	}
	var geom string
	err := a.db.QueryRow(r.Context(), `SELECT name, ST_AsGeoJSON(g, 7)::text, ST_NPoints(g), ST_Length(geom::geography, false)
		FROM (SELECT name, geom, CASE WHEN $2::float8 > 0 THEN ST_SimplifyPreserveTopology(geom, $2::float8) ELSE geom END AS g
			FROM locations.locations WHERE location_id = $1 AND kind = 'trail') s`, id, tolerance).
		Scan(&t.Name, &geom, &t.Points, &t.LengthMeters)
	if errors.Is(err, pgx.ErrNoRows) {
		return fault.NotFound(fmt.Sprintf("There is no trail %q.", id))
	}
	if err != nil {
		return fmt.Errorf("trail %q: %w", id, err)
	}
	t.Geometry = json.RawMessage(geom)
	return httpedge.WriteJSON(w, http.StatusOK, t)
}
