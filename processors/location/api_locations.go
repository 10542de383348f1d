package location

import (
	"net/http"

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
// Occupancy and the alert state survive a replacement: they are counted, not declared. Every
// write takes a new version, which changes every map tile's ETag.
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
	l, err := scanLocation(a.db.QueryRow(ctx, `INSERT INTO locations.locations AS l
			(location_id, name, kind, geom, time_zone, time_zone_source, capacity, alert_percent, clear_percent)
		VALUES ($1, $2, $3, ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326), $5, $6, $7, $8, $9)
		ON CONFLICT (location_id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, geom = EXCLUDED.geom,
			time_zone = EXCLUDED.time_zone, time_zone_source = EXCLUDED.time_zone_source, capacity = EXCLUDED.capacity,
			alert_percent = EXCLUDED.alert_percent, clear_percent = EXCLUDED.clear_percent,
			version = nextval('locations.location_version'), updated_at = now()
		RETURNING `+locationColumns+`, (xmax = 0)`,
		id, in.Name, in.Kind, string(v.geojson), zone, v.zoneSource, in.Capacity, v.alert, v.clr), &created)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return httpedge.WriteJSON(w, status, l)
}
