package outbox

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/telemetry"
)

// metrics are one relay's collectors. Every metric carries the constant label outbox=<store
// name>, so the relays of several stores can share a registerer.
type metrics struct {
	published     prometheus.Counter
	publishErrors prometheus.Counter
	storeErrors   prometheus.Counter
	// resumeSkipped and resumeUnverified count what resume checks found (see resume.go).
	resumeSkipped    prometheus.Counter
	resumeUnverified prometheus.Counter
	// reordered counts acknowledged rows that overtook a failed row of their key (see
	// pipeline.failedKeys).
	reordered     prometheus.Counter
	batchSize     prometheus.Histogram
	batchDuration prometheus.Histogram
	backlogRows   prometheus.Gauge
	oldestAge     prometheus.Gauge
	leader        prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, store string) (*metrics, error) {
	labels := prometheus.Labels{"outbox": store}
	m := &metrics{
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "novatrek_outbox_published_total", ConstLabels: labels,
			Help: "Outbox rows the brokers acknowledged (a fencing relay's: committed).",
		}),
		publishErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "novatrek_outbox_publish_errors_total", ConstLabels: labels,
			Help: "Outbox rows whose produce failed; they stay in the outbox and are retried.",
		}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "novatrek_outbox_store_errors_total", ConstLabels: labels,
			Help: "Failed outbox store operations (elect, wait, fetch, delete, backlog).",
		}),
		resumeSkipped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "novatrek_outbox_resume_skipped_total", ConstLabels: labels,
			Help: "Rows found already on Kafka when the relay resumed after an uncertain step, deleted without publishing them again.",
		}),
		resumeUnverified: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "novatrek_outbox_resume_unverified_total", ConstLabels: labels,
			Help: "Rows a resume check could not settle (tail too long, read failed); they were published, possibly a second time.",
		}),
		reordered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "novatrek_outbox_reordered_total", ConstLabels: labels,
			Help: "Acknowledged rows published while an older row of the same key had failed (a broker refused a record outright); its consumers see them out of order.",
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "novatrek_outbox_batch_rows", ConstLabels: labels,
			Help:    "Rows per relayed batch.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8), // 1 .. 16384
		}),
		batchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "novatrek_outbox_batch_seconds", ConstLabels: labels,
			Help:    "Time to produce a batch and have it acknowledged.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5ms .. 16s
		}),
		backlogRows: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "novatrek_outbox_backlog_rows", ConstLabels: labels,
			Help: "Rows waiting in the outbox, as last measured by the leader (0 on standbys: aggregate with max).",
		}),
		oldestAge: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "novatrek_outbox_oldest_row_age_seconds", ConstLabels: labels,
			Help: "Age of the oldest waiting row, as last measured by the leader (0 on standbys: aggregate with max).",
		}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "novatrek_outbox_leader", ConstLabels: labels,
			Help: "1 while this relay is the store's active relay.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	for _, c := range []*prometheus.Counter{&m.published, &m.publishErrors, &m.storeErrors, &m.resumeSkipped, &m.resumeUnverified, &m.reordered} {
		if err == nil {
			*c, err = telemetry.Register(reg, *c)
		}
	}
	for _, h := range []*prometheus.Histogram{&m.batchSize, &m.batchDuration} {
		if err == nil {
			*h, err = telemetry.Register(reg, *h)
		}
	}
	for _, g := range []*prometheus.Gauge{&m.backlogRows, &m.oldestAge, &m.leader} {
		if err == nil {
			*g, err = telemetry.Register(reg, *g)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("outbox: register metrics of %s: %w", store, err)
	}
	return m, nil
}
