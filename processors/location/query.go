package location

import (
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/novatrek/support/internal/platform/problem"
)

// params reads a request's query parameters, collecting every invalid one so that a 400
// names all of them at once, never echoing the values.
type params struct {
	v    url.Values
	errs []problem.FieldError
}

func (p *params) fail(field, reason string) {
	p.errs = append(p.errs, problem.FieldError{Field: field, Reason: reason})
}

// float is the parameter name as a finite number; present says whether it was given.
func (p *params) float(name string, required bool) (v float64, present bool) {
	s := p.v.Get(name)
	if s == "" {
		if required {
			p.fail(name, "is required")
		}
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		p.fail(name, "must be a finite number")
		return 0, false
	}
	return v, true
}

// integer is the parameter name as an integer in [lo, hi], def when absent.
func (p *params) integer(name string, def, lo, hi int) int {
	s := p.v.Get(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		p.fail(name, "must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
		return def
	}
	return v
}

// point is the position in the parameters lat and lon, both required.
func (p *params) point() (lat, lon float64) {
	lat, okLat := p.float("lat", true)
	lon, okLon := p.float("lon", true)
	if okLat && !validLatitude(lat) {
		p.fail("lat", badLatitude)
	}
	if okLon && !validLongitude(lon) {
		p.fail("lon", badLongitude)
	}
	return lat, lon
}

// instant is the RFC 3339 time in the parameter name, def when absent.
func (p *params) instant(name string, def time.Time) time.Time {
	s := p.v.Get(name)
	if s == "" {
		return def
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		p.fail(name, "must be an RFC 3339 time such as 2026-07-01T09:00:00Z")
		return def
	}
	return t
}

// err is the 400 naming every invalid parameter, or nil.
func (p *params) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return problem.Validation("Some query parameters are invalid.", p.errs...)
}
