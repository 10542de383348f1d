package weather

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/processors/weather/nws"
)

// MaxHistory is the longest time range the history endpoint answers: a month of one area's
// observations is a few thousand rows; more is an export, not an API call.
const MaxHistory = 31 * 24 * time.Hour

// where reads the point a request is about: location_id (a known area), else lat and lon.
func (a *app) where(r *http.Request) (Point, string, error) {
	q := r.URL.Query()
	loc := q.Get("location_id")
	if loc == "" {
		p, err := pointOf(q)
		return p, "", err
	}
	var p Point
	err := a.db.QueryRow(r.Context(), `SELECT latitude, longitude FROM weather.areas WHERE location_id = $1`, loc).Scan(&p.Lat, &p.Lon)
	if errors.Is(err, pgx.ErrNoRows) {
		return Point{}, "", fault.NotFound("location " + loc + " is not a known area")
	}
	return p, loc, err
}

// cellJSON is the cell an answer is for.
type cellJSON struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// freshness is what every cached answer carries: when it was fetched, its age, whether it
// is past its freshness (served while revalidating, or because the provider failed).
type freshness struct {
	FetchedAt  time.Time `json:"fetched_at"`
	AgeSeconds int64     `json:"age_seconds"`
	Stale      bool      `json:"stale"`
}

// answer writes a cached reading as JSON with Age and X-Data-Age (seconds since fetched).
func (a *app) answer(w http.ResponseWriter, rd reading, body any) error {
	setAge(w, a.fresh(rd))
	return httpedge.WriteJSON(w, http.StatusOK, body)
}

// setAge sets Age and X-Data-Age, the seconds since the provider answered.
func setAge(w http.ResponseWriter, f freshness) {
	age := []string{strconv.FormatInt(f.AgeSeconds, 10)}
	h := w.Header()
	h["Age"] = age // canonical names, set directly: both share one value
	h["X-Data-Age"] = age
}

func (a *app) fresh(rd reading) freshness {
	return freshness{FetchedAt: rd.FetchedAt.UTC(), AgeSeconds: int64(rd.age(a.now()) / time.Second), Stale: rd.stale}
}

// getForecast serves svc-scheduling-orchestrator's "Get forecast": the hourly forecast of a
// point's cell, hours (default 48, at most the provider's 156) from now.
func (a *app) getForecast(w http.ResponseWriter, r *http.Request) error {
	p, loc, err := a.where(r)
	if err != nil {
		return err
	}
	hours, err := intParam(r.URL.Query(), "hours", 48, 1, 156)
	if err != nil {
		return err
	}
	rd, err := a.fetch.read(r.Context(), a.forecast, p)
	if err != nil {
		return err
	}
	var f nws.Forecast
	if err := json.Unmarshal(rd.Data, &f); err != nil {
		return err
	}
	now := a.now()
	periods := []nws.Period{}
	for _, pr := range f.Periods {
		if pr.End.After(now) && len(periods) < hours {
			periods = append(periods, pr)
		}
	}
	c := p.Cell()
	return a.answer(w, rd, map[string]any{"cell": cellJSON{c.Lat, c.Lon}, "location_id": nullable(loc),
		"generated_at": f.GeneratedAt, "freshness": a.fresh(rd), "periods": periods})
}

// getConditions serves svc-wildlife-tracking's "Get current conditions at sighting
// location": the latest observation of the nearest station to the point's cell, 5 minutes
// fresh.
func (a *app) getConditions(w http.ResponseWriter, r *http.Request) error {
	p, loc, err := a.where(r)
	if err != nil {
		return err
	}
	rd, err := a.fetch.read(r.Context(), a.conditions, p)
	if err != nil {
		return err
	}
	obs, err := rd.encoded(a.conditions.present)
	if err != nil {
		return err
	}
	locJSON := null
	if loc != "" {
		if locJSON, err = json.Marshal(loc); err != nil {
			return err
		}
	}
	f := a.fresh(rd)
	buf := bodies.Get().(*[]byte)
	defer bodies.Put(buf)
	*buf = conditionsBody((*buf)[:0], p.Cell(), f, locJSON, obs)
	setAge(w, f)
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(*buf)
	return err
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// intParam reads an optional integer query parameter in [lo, hi].
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	raw := q.Get(name)
	if raw == "" {
		return def, nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < lo || v > hi {
		return 0, invalidField(name, "must be a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return v, nil
}

// timeParam reads a required RFC 3339 query parameter.
func timeParam(q url.Values, name string) (time.Time, error) {
	raw := q.Get(name)
	if raw == "" {
		return time.Time{}, invalidField(name, "is required")
	}
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		return time.Time{}, invalidField(name, "is not an RFC 3339 time such as 2026-07-01T00:00:00Z")
	}
	return t, nil
}
