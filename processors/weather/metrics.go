package weather

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/telemetry"
)

// metrics are svc-weather's own series (the runner adds service=svc-weather).
type metrics struct {
	reads           *prometheus.CounterVec
	upstream        *prometheus.CounterVec
	budgetExhausted prometheus.Counter
	stages          *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "novatrek_weather_reads_total",
			Help: "Cache reads by kind and result: hit, stale_revalidate, miss, stale_if_error, unavailable."}, []string{"kind", "result"}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "novatrek_weather_upstream_calls_total",
			Help: "Calls to the weather provider by kind and outcome (ok, malformed, error, or the refusing status)."}, []string{"kind", "outcome"}),
		budgetExhausted: prometheus.NewCounter(prometheus.CounterOpts{Name: "novatrek_weather_budget_exhausted_total",
			Help: "Upstream calls refused because the shared budget was empty."}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "novatrek_weather_miss_stage_seconds",
			Help: "Where a cache miss spends its time, by kind (a cached kind, or a provider call's for budget and provider) and stage: " +
				"cache (the miss's read), lock (lock and re-read), budget, provider, flight (the miss until its callers are answered), " +
				"then, after the answer, store (Valkey write and lock release) and record (PostgreSQL).",
			Buckets: []float64{.0001, .0003, .001, .003, .01, .03, .1, .3, 1, 3, 10}}, []string{"kind", "stage"}),
	}
	var err error
	if m.reads, err = telemetry.Register(reg, m.reads); err != nil {
		return nil, err
	}
	if m.upstream, err = telemetry.Register(reg, m.upstream); err != nil {
		return nil, err
	}
	if m.budgetExhausted, err = telemetry.Register(reg, m.budgetExhausted); err != nil {
		return nil, err
	}
	if m.stages, err = telemetry.Register(reg, m.stages); err != nil {
		return nil, err
	}
	return m, nil
}

// readCounts are one kind's novatrek_weather_reads_total series, looked up once: a read
// counts itself without hashing its labels.
type readCounts struct {
	hit, staleRevalidate, miss, staleIfError, unavailable prometheus.Counter
}

func (m *metrics) readsOf(kind string) readCounts {
	return readCounts{
		hit:             m.reads.WithLabelValues(kind, "hit"),
		staleRevalidate: m.reads.WithLabelValues(kind, "stale_revalidate"),
		miss:            m.reads.WithLabelValues(kind, "miss"),
		staleIfError:    m.reads.WithLabelValues(kind, "stale_if_error"),
		unavailable:     m.reads.WithLabelValues(kind, "unavailable"),
	}
}
