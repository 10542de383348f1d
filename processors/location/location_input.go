package location

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb/geojson"

	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/internal/platform/store"
)

// LocationInput is the body of PUT /v1/locations/{id}.
type LocationInput struct {
	Name     string          `json:"name"`
	Kind     string          `json:"kind"`
	Geometry json.RawMessage `json:"geometry"`
	Capacity *int            `json:"capacity"`
	// AlertPercent and ClearPercent default to 90 and 80.
	AlertPercent *int `json:"alert_percent"`
	ClearPercent *int `json:"clear_percent"`
	// TimeZone overrides the zone looked up from the coordinates (a site on a border
	// that keeps its neighbour's clock).
	TimeZone string `json:"time_zone"`
}

// geometryKinds are the GeoJSON geometry types each kind of location may have.
var geometryKinds = map[string][]string{
	"site":         {"Point"},
	"pickup":       {"Point"},
	"park":         {"Polygon", "MultiPolygon"},
	"zone":         {"Polygon", "MultiPolygon"},
	"service_area": {"Polygon", "MultiPolygon"},
	"trail":        {"LineString", "MultiLineString"},
}

var locationID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$`)

// validLocation is a checked LocationInput ready to store.
type validLocation struct {
	LocationInput
	geojson     []byte
	alert, clr  int
	zoneSource  string
	lat, lon    float64 // a point on the surface, for the time zone lookup
	needsLookup bool
}

// check validates in first Go (shape, kinds, coordinate ranges: every field at once) and
// then PostGIS (ST_IsValid: a self-intersecting polygon is named with PostGIS's reason), and
// settles the time zone. The error is a 400 problem naming the fields.
func (in LocationInput) check(ctx context.Context, db store.DB, id string) (validLocation, error) {
	v := validLocation{LocationInput: in, alert: 90, clr: 80}
	var errs []problem.FieldError
	fail := func(field, reason string) { errs = append(errs, problem.FieldError{Field: field, Reason: reason}) }
	if !locationID.MatchString(id) {
		fail("id", "must be 1 to 64 letters, digits or _.:- starting with a letter or digit")
	}
	if n := len([]rune(in.Name)); n < 1 || n > 200 {
		fail("name", "must be 1 to 200 characters")
	}
	types, known := geometryKinds[in.Kind]
	if !known {
		fail("kind", "must be one of site, pickup, park, zone, service_area, trail")
	}
	if in.Capacity != nil && *in.Capacity < 1 {
		fail("capacity", "must be at least 1 when given")
	}
	if in.AlertPercent != nil {
		v.alert = *in.AlertPercent
	}
	if in.ClearPercent != nil {
		v.clr = *in.ClearPercent
	}
	if v.alert < 1 || v.alert > 100 {
		fail("alert_percent", "must be from 1 to 100")
	}
	if v.clr < 0 || v.clr >= v.alert {
		fail("clear_percent", "must be from 0 to below alert_percent")
	}
	if in.TimeZone != "" {
		if _, err := time.LoadLocation(in.TimeZone); err != nil || in.TimeZone == "Local" {
			fail("time_zone", "must be an IANA time zone name such as America/Denver")
		}
	}
	g, err := geojson.UnmarshalGeometry(in.Geometry)
	switch {
	case len(in.Geometry) == 0:
		fail("geometry", "is required")
	case err != nil || g.Coordinates == nil:
		fail("geometry", "must be a GeoJSON geometry")
	case known && !slices.Contains(types, g.Type):
		fail("geometry", fmt.Sprintf("a %s must be a %v", in.Kind, types))
	default:
		b := g.Coordinates.Bound()
		if !validLatitude(b.Min.Lat()) || !validLatitude(b.Max.Lat()) || !validLongitude(b.Min.Lon()) || !validLongitude(b.Max.Lon()) {
			fail("geometry", "coordinates are [longitude, latitude] with latitude from -90 to 90 and longitude from -180 to 180")
		} else {
			v.geojson, _ = json.Marshal(geojson.NewGeometry(g.Coordinates))
		}
	}
	if len(errs) > 0 {
		return v, problem.Validation("The location is invalid.", errs...)
	}

	var valid bool
	var reason string
	err = db.QueryRow(ctx, `SELECT ST_IsValid(g), ST_IsValidReason(g), ST_Y(ST_PointOnSurface(g)), ST_X(ST_PointOnSurface(g))
		FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1::text), 4326) AS g) s`, string(v.geojson)).Scan(&valid, &reason, &v.lat, &v.lon)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// PostGIS refuses to build it at all (a ring of three points, a line of one).
		return v, problem.Validation("The geometry is not valid.", problem.FieldError{Field: "geometry", Reason: "not a valid geometry: " + pgErr.Message})
	}
	if err != nil {
		return v, fmt.Errorf("check geometry of location %q: %w", id, err)
	}
	if !valid {
		return v, problem.Validation("The geometry is not valid.", problem.FieldError{Field: "geometry", Reason: "not a valid geometry: " + reason})
	}
	v.zoneSource = "override"
	if in.TimeZone == "" {
		v.zoneSource, v.needsLookup = "lookup", true
	}
	return v, nil
}
