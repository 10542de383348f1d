package location

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/novatrek/support/internal/platform/problem"
)

// maxZoom is the deepest tile served: z22 is about 10 m across, finer than any location.
const maxZoom = 22

// tileLayer is the MVT layer holding the locations.
const tileLayer = "locations"

// tileContentType is the Mapbox Vector Tile media type.
const tileContentType = "application/vnd.mapbox-vector-tile"

// handleTile is GET /v1/tiles/{z}/{x}/{y}.mvt: the locations inside the Web Mercator tile as
// a vector tile (ST_AsMVT, layer "locations", extent 4096) with their id, name, kind,
// capacity and occupancy. Its ETag is the map's revision (the highest location version), so
// any location change gives every tile a new one; a client revalidating with
// If-None-Match gets a 304 without the tile being built.
func (a *app) handleTile(w http.ResponseWriter, r *http.Request) error {
	z, x, y, err := tileCoordinates(r.PathValue("z"), r.PathValue("x"), r.PathValue("tile"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	var revision int64
	if err := a.db.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM locations.locations`).Scan(&revision); err != nil {
		return fmt.Errorf("map revision: %w", err)
	}
	etag := fmt.Sprintf(`"map-%d"`, revision)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(a.cfg.TileMaxAge.Seconds())))
	if match := r.Header.Get("If-None-Match"); match != "" && (match == etag || match == "W/"+etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	var tile []byte
	err = a.db.QueryRow(ctx, `WITH bounds AS (SELECT ST_TileEnvelope($1, $2, $3) AS env),
		features AS (
			SELECT ST_AsMVTGeom(ST_Transform(l.geom, 3857), b.env, 4096, 64, true) AS geom,
				l.location_id, l.name, l.kind, l.capacity, l.occupancy
			FROM locations.locations l, bounds b
			WHERE l.geom && ST_Transform(ST_Expand(b.env, (ST_XMax(b.env) - ST_XMin(b.env)) * 64 / 4096), 4326))
		SELECT coalesce(ST_AsMVT(features.*, '`+tileLayer+`', 4096, 'geom'), ''::bytea)
		FROM features WHERE geom IS NOT NULL`, z, x, y).Scan(&tile)
	if err != nil {
		return fmt.Errorf("tile %d/%d/%d: %w", z, x, y, err)
	}
	w.Header().Set("Content-Type", tileContentType)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(tile)
	return err
}

// tileCoordinates parses z, x and "y.mvt", refusing a tile that does not exist at that
// zoom (x or y beyond 2^z - 1) with a 400 naming the coordinate.
func tileCoordinates(zs, xs, file string) (z, x, y int, err error) {
	var errs []problem.FieldError
	z, zerr := strconv.Atoi(zs)
	if zerr != nil || z < 0 || z > maxZoom {
		return 0, 0, 0, problem.Validation("The tile does not exist.", problem.FieldError{Field: "z", Reason: fmt.Sprintf("must be an integer from 0 to %d", maxZoom)})
	}
	last := 1<<z - 1
	x, xerr := strconv.Atoi(xs)
	if xerr != nil || x < 0 || x > last {
		errs = append(errs, problem.FieldError{Field: "x", Reason: fmt.Sprintf("must be an integer from 0 to %d at zoom %d", last, z)})
	}
	ys, mvt := strings.CutSuffix(file, ".mvt")
	y, yerr := strconv.Atoi(ys)
	if !mvt || yerr != nil || y < 0 || y > last {
		errs = append(errs, problem.FieldError{Field: "y", Reason: fmt.Sprintf("must be {y}.mvt with y an integer from 0 to %d at zoom %d", last, z)})
	}
	if len(errs) > 0 {
		return 0, 0, 0, problem.Validation("The tile does not exist.", errs...)
	}
	return z, x, y, nil
}
