package analytics

import (
	"fmt"
	"net/http"
	"time"

	"github.com/novatrek/support/internal/platform/problem"
)

// window is what a dashboard request asks for: the days from and to (both included,
// UTC), the bucket size, and the dimension to slice by with an optional key of it.
type window struct {
	from, to time.Time
	bucket   string // "day" or "month"
	by       string // "all", "trip", "guide" or "location"
	key      string
}

// maxWindowDays bounds a request: a month-bucketed view of the retention period fits.
const maxWindowDays = 1000

// defaultWindowDays is the range when from is not given: the last 30 days up to to.
const defaultWindowDays = 30

// parseWindow reads from, to, bucket, by and key; every bad one is a field of one 400
// problem. Month buckets widen from and to to their months.
func parseWindow(r *http.Request, today time.Time) (window, error) {
	q := r.URL.Query()
	var bad []problem.FieldError
	date := func(field string, def time.Time) time.Time {
		v := q.Get(field)
		if v == "" {
			return def
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			bad = append(bad, problem.FieldError{Field: field, Reason: "must be a date YYYY-MM-DD"})
			return def
		}
		return d
	}
	oneOf := func(field, def string, allowed ...string) string {
		v := q.Get(field)
		if v == "" {
			return def
		}
		for _, a := range allowed {
			if v == a {
				return v
			}
		}
		bad = append(bad, problem.FieldError{Field: field, Reason: fmt.Sprintf("must be one of %v", allowed)})
		return def
	}
	w := window{to: date("to", today.UTC().Truncate(24*time.Hour))}
	w.from = date("from", w.to.AddDate(0, 0, -defaultWindowDays+1))
	w.bucket = oneOf("bucket", "day", "day", "month")
	w.by = oneOf("by", "all", "all", "trip", "guide", "location")
	w.key = q.Get("key")
	switch {
	case len(bad) > 0:
	case w.to.Before(w.from):
		bad = append(bad, problem.FieldError{Field: "to", Reason: "must not be before from"})
	case w.to.Sub(w.from) > maxWindowDays*24*time.Hour:
		bad = append(bad, problem.FieldError{Field: "from", Reason: fmt.Sprintf("the range may span at most %d days", maxWindowDays)})
	case w.key != "" && w.by == "all":
		bad = append(bad, problem.FieldError{Field: "key", Reason: "needs by=trip, guide or location"})
	}
	if len(bad) > 0 {
		return window{}, problem.Validation("The query parameters are not valid.", bad...)
	}
	if w.bucket == "month" {
		w.from, w.to = monthStart(w.from), monthStart(w.to)
	}
	return w, nil
}

// end is the first instant after the window.
func (w window) end() time.Time {
	if w.bucket == "month" {
		return w.to.AddDate(0, 1, 0)
	}
	return w.to.AddDate(0, 0, 1)
}
