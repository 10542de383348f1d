package location

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/store"
)

// Nearby is a location and its distance from the point asked about.
type Nearby struct {
	Location
	// DistanceMeters is the great-circle distance on the sphere to the nearest part of the
	// location (0 inside a polygon).
	DistanceMeters float64 `json:"distance_m"`
}

// queryPoint is the parameters ($1 latitude, $2 longitude) as a geography; spelled the same
// in every clause, it is a constant for the planner, so the geography index serves both the
// KNN order (<->) and the radius filter (ST_DWithin).
const queryPoint = `ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography`

// nearest returns up to k locations closest to (lat, lon), nearest first: KNN over the
// geography index, optionally within radius metres (<= 0: any distance) and of one kind
// ("" any). Distances are on the sphere (use_spheroid false), the same measure <-> orders by.
//
// The statement is written for the filters given rather than with "$3 <= 0 OR ..." guards:
// a guard hides ST_DWithin from the index (a radius with nothing inside it then walks all
// 100,000 rows in KNN order) and inflates the estimates until PostgreSQL JIT-compiles a 1 ms
// query. The order has no tie-breaker for the same reason: a second sort key turns the
// index-ordered scan into a sort of every row.
func nearest(ctx context.Context, db store.DB, lat, lon, radius float64, kind string, k int) ([]Nearby, error) {
	where, args := []string{"true"}, []any{lat, lon, k}
	if radius > 0 {
		args = append(args, radius)
		where = append(where, fmt.Sprintf("ST_DWithin(l.geom::geography, %s, $%d, false)", queryPoint, len(args)))
	}
	if kind != "" {
		args = append(args, kind)
		where = append(where, fmt.Sprintf("l.kind = $%d", len(args)))
	}
	rows, err := db.Query(ctx, `SELECT `+locationColumns+`, ST_Distance(l.geom::geography, `+queryPoint+`, false)
		FROM locations.locations l
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY l.geom::geography <-> `+queryPoint+`
		LIMIT $3`, args...)
	if err != nil {
		return nil, fmt.Errorf("nearby %.5f,%.5f: %w", lat, lon, err)
	}
	return pgx.CollectRows(rows, scanNearby)
}

// scanNearby scans locationColumns and the distance.
func scanNearby(row pgx.CollectableRow) (Nearby, error) {
	var n Nearby
	var err error
	n.Location, err = scanLocation(row, &n.DistanceMeters)
	return n, err
}

// handleNearby is GET /v1/nearby?lat=&lon=[&k=10][&radius_m=][&kind=]: the k nearest
// locations, nearest first.
func (a *app) handleNearby(w http.ResponseWriter, r *http.Request) error {
	p := params{v: r.URL.Query()}
	lat, lon := p.point()
	k := p.integer("k", 10, 1, 100)
	radius, given := p.float("radius_m", false)
	if given && !(radius > 0 && radius <= float64(a.cfg.MaxRadius)) {
		p.fail("radius_m", fmt.Sprintf("must be above 0 and at most %d metres", a.cfg.MaxRadius))
	}
	kind := p.v.Get("kind")
	if _, known := geometryKinds[kind]; kind != "" && !known {
		p.fail("kind", "must be one of site, pickup, park, zone, service_area, trail")
	}
	if err := p.err(); err != nil {
		return err
	}
	found, err := nearest(r.Context(), a.db, lat, lon, radius, kind, k)
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, map[string]any{"locations": found})
}

// handleReverseGeocode is GET /v1/geocode/reverse?lat=&lon=: the named place nearest to the
// point (the park it is in, if it is in one).
func (a *app) handleReverseGeocode(w http.ResponseWriter, r *http.Request) error {
	p := params{v: r.URL.Query()}
	lat, lon := p.point()
	if err := p.err(); err != nil {
		return err
	}
	found, err := nearest(r.Context(), a.db, lat, lon, 0, "", 1)
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return fault.NotFound("There are no locations yet.")
	}
	return httpedge.WriteJSON(w, http.StatusOK, found[0])
}

// handleGeocode is GET /v1/geocode?q=[&limit=10]: forward geocoding over our own places, by
// name: substring matches and trigram word similarity (typos), best first.
func (a *app) handleGeocode(w http.ResponseWriter, r *http.Request) error {
	p := params{v: r.URL.Query()}
	q := strings.ToLower(strings.TrimSpace(p.v.Get("q")))
	if n := len([]rune(q)); n < 2 || n > 100 {
		p.fail("q", "must be 2 to 100 characters")
	}
	limit := p.integer("limit", 10, 1, 50)
	if err := p.err(); err != nil {
		return err
	}
	like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
	type match struct {
		Location
		Score float64 `json:"score"`
	}
	var found []match
	err := pgx.BeginFunc(r.Context(), a.db, func(tx pgx.Tx) error {
		// 0.4 rather than pg_trgm's 0.6: "marone bels" (0.47) is a typo of "Maroon Bells
		// Trailhead"; unrelated names score under 0.1.
		if _, err := tx.Exec(r.Context(), `SELECT set_config('pg_trgm.word_similarity_threshold', '0.4', true)`); err != nil {
			return err
		}
		rows, err := tx.Query(r.Context(), `SELECT `+locationColumns+`, word_similarity($1, lower(l.name)) AS score
			FROM locations.locations l
			WHERE lower(l.name) LIKE $2 OR $1 <% lower(l.name)
			ORDER BY lower(l.name) LIKE $2 DESC, score DESC, l.name, l.location_id
			LIMIT $3`, q, like, limit)
		if err != nil {
			return err
		}
		found, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (match, error) {
			var m match
			var err error
			m.Location, err = scanLocation(row, &m.Score)
			return m, err
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("geocode: %w", err)
	}
	return httpedge.WriteJSON(w, http.StatusOK, map[string]any{"locations": found})
}
