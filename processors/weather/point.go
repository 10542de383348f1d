package weather

import (
	"fmt"
	"math"
	"net/url"
	"strconv"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/problem"
)

// CellSize is the grid cell callers share cache entries in: 0.01° (about 1.1 km north to
// south), so two sightings a few hundred metres apart read one entry.
const CellSize = 0.01

// Point is a WGS 84 position.
type Point struct{ Lat, Lon float64 }

// Cell is p snapped to the CellSize grid: the point the provider is asked about.
func (p Point) Cell() Point {
	return Point{math.Round(p.Lat/CellSize) * CellSize, math.Round(p.Lon/CellSize) * CellSize}
}

// Key names p's cell in cache keys and forecast_cache: "37.75,-119.59".
func (p Point) Key() string {
	c := p.Cell()
	return strconv.FormatFloat(c.Lat, 'f', 2, 64) + "," + strconv.FormatFloat(c.Lon, 'f', 2, 64)
}

// distanceKm is the great-circle distance to q.
func (p Point) distanceKm(q Point) float64 {
	const r = 6371.0
	p1, p2 := p.Lat*math.Pi/180, q.Lat*math.Pi/180
	dp, dl := (q.Lat-p.Lat)*math.Pi/180, (q.Lon-p.Lon)*math.Pi/180
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

// pointOf reads the query's lat and lon: both present, numbers, in range; a 400 naming the
// field otherwise.
func pointOf(q url.Values) (Point, error) {
	lat, err := number(q, "lat", -90, 90)
	if err != nil {
		return Point{}, err
	}
	lon, err := number(q, "lon", -180, 180)
	if err != nil {
		return Point{}, err
	}
	return Point{lat, lon}, nil
}

// number reads the query parameter name as a finite number in [lo, hi].
func number(q url.Values, name string, lo, hi float64) (float64, error) {
	raw := q.Get(name)
	if raw == "" {
		return 0, invalidField(name, "is required")
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, invalidField(name, "is not a number")
	}
	if v < lo || v > hi {
		return 0, invalidField(name, fmt.Sprintf("must be between %g and %g", lo, hi))
	}
	return v, nil
}

// invalidField is the 400 naming a query parameter.
func invalidField(name, why string) error {
	return fault.Invalid(name+" "+why).With("errors", []problem.FieldError{{Field: name, Reason: why}})
}
