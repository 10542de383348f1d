package nwsfake

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Request kinds, as counted by Requests.
const (
	KindPoints       = "points"
	KindForecast     = "forecast"
	KindStations     = "stations"
	KindObservations = "observations"
	KindAlerts       = "alerts"
)

// Office is the forecast office id every grid of the fake belongs to.
const Office = "NTK"

// GridStep is the size of a grid cell in degrees (the NWS's grids are 2.5 km).
const GridStep = 0.025

// Server is a fake NWS API. The zero value is not usable; call New.
type Server struct {
	mu       sync.Mutex
	weather  map[string]Weather // by grid "x,y"
	alerts   []Alert
	storms   *Storms // the dev mode's storms, when on
	maxAge   time.Duration
	now      func() time.Time
	requests map[string]*atomic.Int64

	latency   atomic.Int64
	down      atomic.Bool
	failNext  atomic.Int64
	failCode  atomic.Int64
	throttle  atomic.Int64
	retryAftr atomic.Int64
	malformed atomic.Int64
}

// New returns a fake answering every cell with computed weather, no alerts (see SetAlerts,
// SetStorms), max-age 5 min.
func New() *Server {
	s := &Server{weather: map[string]Weather{}, maxAge: 5 * time.Minute, now: time.Now, requests: map[string]*atomic.Int64{}}
	for _, k := range []string{KindPoints, KindForecast, KindStations, KindObservations, KindAlerts} {
		s.requests[k] = &atomic.Int64{}
	}
	s.failCode.Store(http.StatusServiceUnavailable)
	return s
}

// Requests is how many requests of kind arrived (failed and malformed ones included).
func (s *Server) Requests(kind string) int64 { return s.requests[kind].Load() }

// TotalRequests is how many requests arrived, of every kind.
func (s *Server) TotalRequests() int64 {
	var n int64
	for _, c := range s.requests {
		n += c.Load()
	}
	return n
}

// SetLatency delays every answer by d.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// SetDown answers every request 503 until SetDown(false).
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// FailNext answers the next n requests with status (a 5xx).
func (s *Server) FailNext(n int, status int) {
	s.failCode.Store(int64(status))
	s.failNext.Store(int64(n))
}

// ThrottleNext answers the next n requests 429 with Retry-After: retryAfter (whole seconds).
func (s *Server) ThrottleNext(n int, retryAfter time.Duration) {
	s.retryAftr.Store(int64(retryAfter / time.Second))
	s.throttle.Store(int64(n))
}

// MalformedNext answers the next n requests 200 with a body that is not the API's JSON.
func (s *Server) MalformedNext(n int) { s.malformed.Store(int64(n)) }

// SetMaxAge is the Cache-Control max-age of the answers (default 5 min).
func (s *Server) SetMaxAge(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxAge = d
}

// SetClock pins the clock the forecasts and observations are computed at.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetWeather pins the weather of the grid cell holding (lat, lon), every hour.
func (s *Server) SetWeather(lat, lon float64, w Weather) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, y := Grid(lat, lon)
	s.weather[gridKey(x, y)] = w
}

// SetAlerts replaces the active alerts.
func (s *Server) SetAlerts(alerts ...Alert) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.alerts = append([]Alert(nil), alerts...)
}

// Grid is the grid cell holding (lat, lon).
func Grid(lat, lon float64) (x, y int) {
	return int(math.Floor((lon + 180) / GridStep)), int(math.Floor((lat + 90) / GridStep))
}

func gridKey(x, y int) string { return strconv.Itoa(x) + "," + strconv.Itoa(y) }

// gridCenter is the centre of cell (x, y).
func gridCenter(x, y int) (lat, lon float64) {
	return (float64(y)+0.5)*GridStep - 90, (float64(x)+0.5)*GridStep - 180
}

// Handler is the HTTP API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /points/{point}", s.guard(KindPoints, s.points))
	mux.HandleFunc("GET /gridpoints/{office}/{xy}/forecast/hourly", s.guard(KindForecast, s.forecast))
	mux.HandleFunc("GET /gridpoints/{office}/{xy}/stations", s.guard(KindStations, s.stations))
	mux.HandleFunc("GET /stations/{id}/observations/latest", s.guard(KindObservations, s.latest))
	mux.HandleFunc("GET /alerts/active", s.guard(KindAlerts, s.activeAlerts))
	return mux
}

// guard counts the request and applies the injected behaviour before h: the API's
// User-Agent rule (the NWS refuses anonymous clients; a library's default counts as one), latency, outage, 5xx, 429 and malformed bodies, in that order.
func (s *Server) guard(kind string, h func(w http.ResponseWriter, r *http.Request) (any, int)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.requests[kind].Add(1)
		if d := time.Duration(s.latency.Load()); d > 0 && !sleep(r.Context(), d) {
			return
		}
		if ua := r.Header.Get("User-Agent"); ua == "" || strings.HasPrefix(ua, "Go-http-client/") {
			problem(w, http.StatusForbidden, "Forbidden", "A User-Agent header identifying the application is required.")
			return
		}
		if s.down.Load() {
			problem(w, http.StatusServiceUnavailable, "Service Unavailable", "The service is down.")
			return
		}
		if take(&s.failNext) {
			problem(w, int(s.failCode.Load()), "Unexpected Problem", "An injected failure.")
			return
		}
		if take(&s.throttle) {
			w.Header().Set("Retry-After", strconv.FormatInt(s.retryAftr.Load(), 10))
			problem(w, http.StatusTooManyRequests, "Too Many Requests", "Rate limit exceeded.")
			return
		}
		if take(&s.malformed) {
			w.Header().Set("Content-Type", "application/geo+json")
			s.cacheHeaders(w)
			fmt.Fprint(w, `{"properties": {"periods": "<html>upstream proxy error</html>"`)
			return
		}
		body, status := h(w, r)
		if status != http.StatusOK {
			problem(w, status, http.StatusText(status), fmt.Sprint(body))
			return
		}
		w.Header().Set("Content-Type", "application/geo+json")
		s.cacheHeaders(w)
		writeJSON(w, body)
	}
}

func (s *Server) cacheHeaders(w http.ResponseWriter) {
	s.mu.Lock()
	age, now := s.maxAge, s.now()
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(age/time.Second)))
	w.Header().Set("Expires", now.Add(age).UTC().Format(http.TimeFormat))
}

// take decrements n if it is positive and reports whether it did.
func take(n *atomic.Int64) bool {
	for {
		v := n.Load()
		if v <= 0 {
			return false
		}
		if n.CompareAndSwap(v, v-1) {
			return true
		}
	}
}

// parsePoint reads "lat,lon" as the API does: at most 4 decimals.
func parsePoint(v string) (lat, lon float64, err error) {
	a, b, ok := strings.Cut(v, ",")
	if !ok {
		return 0, 0, fmt.Errorf("invalid point %q", v)
	}
	for _, part := range []string{a, b} {
		if _, dec, ok := strings.Cut(part, "."); ok && len(dec) > 4 {
			return 0, 0, fmt.Errorf("point %q has more than 4 decimals", v)
		}
	}
	if lat, err = strconv.ParseFloat(a, 64); err == nil {
		lon, err = strconv.ParseFloat(b, 64)
	}
	if err != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return 0, 0, fmt.Errorf("invalid point %q", v)
	}
	return lat, lon, nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
