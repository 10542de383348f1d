package httpedge

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/telemetry"
)

// routeMetrics are the per-route series of every service's API. The service is a label,
// not a const label of the registry: `novatrek dev` serves every service from one registry.
type routeMetrics struct {
	requests *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
}

func newRouteMetrics(reg prometheus.Registerer) (*routeMetrics, error) {
	m := &routeMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "novatrek_http_requests_total",
			Help: "API requests by service, route pattern and status code."}, []string{"service", "route", "code"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "novatrek_http_request_seconds",
			Help: "API request latency by service and route pattern.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)},
			[]string{"service", "route"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.requests, err = telemetry.Register(reg, m.requests); err != nil {
		return nil, err
	}
	if m.seconds, err = telemetry.Register(reg, m.seconds); err != nil {
		return nil, err
	}
	return m, nil
}

// measure counts and times every request of one route, whatever answers it (401, 403, a
// replay, the handler). The route is the pattern, never the path: ids would explode the
// series.
func (m *routeMetrics) measure(service, pattern string, next http.Handler) http.Handler {
	seconds := m.seconds.WithLabelValues(service, pattern)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		seconds.Observe(time.Since(start).Seconds())
		m.requests.WithLabelValues(service, pattern, strconv.Itoa(sw.code())).Inc()
	})
}
