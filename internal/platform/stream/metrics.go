package stream

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Record outcomes, the "outcome" label of novatrek_stream_records_total.
const (
	outcomeHandled      = "handled"       // new event, handler applied it
	outcomeDuplicate    = "duplicate"     // event id already in the inbox: skipped
	outcomeDeadLettered = "dead_lettered" // poison: sent to the dead-letter topic
)

// metrics are the runtime's Prometheus collectors. Every series carries the constant label
// group=<Config.Group> (added by wrapping the registerer), so the processors of several
// services can share one registry.
type metrics struct {
	records     *prometheus.CounterVec   // topic, outcome
	failures    *prometheus.CounterVec   // topic, kind
	deadLetters *prometheus.CounterVec   // topic, kind
	panics      *prometheus.CounterVec   // topic
	handler     *prometheus.HistogramVec // topic
	batchSize   *prometheus.HistogramVec // topic
	lag         *prometheus.GaugeVec     // topic, partition
	retrying    *prometheus.GaugeVec     // topic, partition
	mismatch    *prometheus.GaugeVec     // topic, partition
	resets      *prometheus.CounterVec   // topic, reason

	beyondHorizon *prometheus.CounterVec // topic; see horizon.go
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	const ns, sub = "novatrek", "stream"
	m := &metrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "records_total",
			Help: "Records the runtime finished with, by topic and outcome (handled, duplicate, dead_lettered).",
		}, []string{"topic", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "failures_total",
			Help: "Failed batch attempts and poison records, by topic and kind (transient and unclassified are retried).",
		}, []string{"topic", "kind"}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "dead_letters_total",
			Help: "Records produced to the dead-letter topic, by source topic and kind.",
		}, []string{"topic", "kind"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "panics_total",
			Help: "Handler panics recovered (each rolls its batch back and counts as a failed attempt), by topic.",
		}, []string{"topic"}),
		handler: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "handler_seconds",
			Help:    "Time spent in the handler per transaction (one call per batch for batch handlers).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"topic"}),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "batch_records",
			Help:    "Records per committed transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14),
		}, []string{"topic"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "consumer_lag",
			Help: "Records between the partition's high watermark (as of the last fetch) and the next offset to handle.",
		}, []string{"topic", "partition"}),
		retrying: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "partition_retrying",
			Help: "1 while a partition is waiting to retry a failed batch.",
		}, []string{"topic", "partition"}),
		mismatch: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "offset_mismatch",
			Help: "Per assigned partition: 1 while it is refused because its stored offset does not fit its log (another cluster or topic id, or beyond the high watermark; see `novatrek groups reset`), else 0.",
		}, []string{"topic", "partition"}),
		resets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "offset_reset_total",
			Help: "Stored offsets moved on assignment without an operator, by topic and reason (below_log_start: retention deleted the records).",
		}, []string{"topic", "reason"}),
	}
	for _, c := range []prometheus.Collector{m.records, m.failures, m.deadLetters, m.panics, m.handler, m.batchSize, m.lag, m.retrying, m.mismatch, m.resets} {
		if err := reg.Register(c); err != nil {
			var dup prometheus.AlreadyRegisteredError
			if errors.As(err, &dup) {
				return nil, fmt.Errorf("register metrics: another processor of this group already uses this registerer: %w", err)
			}
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	var err error
	if m.beyondHorizon, err = newBeyondHorizon(reg); err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	return m, nil
}

// partitionMetrics are one partition's pre-resolved series, so the hot path does no label
// lookups.
type partitionMetrics struct {
	handled, duplicate, deadLettered prometheus.Counter
	panics                           prometheus.Counter
	handler, batchSize               prometheus.Observer
	lag, retrying                    prometheus.Gauge
	m                                *metrics
	topic, partition                 string
}

func (m *metrics) partition(topic string, partition int32) *partitionMetrics {
	p := strconv.Itoa(int(partition))
	return &partitionMetrics{
		handled:      m.records.WithLabelValues(topic, outcomeHandled),
		duplicate:    m.records.WithLabelValues(topic, outcomeDuplicate),
		deadLettered: m.records.WithLabelValues(topic, outcomeDeadLettered),
		panics:       m.panics.WithLabelValues(topic),
		handler:      m.handler.WithLabelValues(topic),
		batchSize:    m.batchSize.WithLabelValues(topic),
		lag:          m.lag.WithLabelValues(topic, p),
		retrying:     m.retrying.WithLabelValues(topic, p),
		m:            m,
		topic:        topic,
		partition:    p,
	}
}

func (pm *partitionMetrics) failure(kind Kind) {
	pm.m.failures.WithLabelValues(pm.topic, string(kind)).Inc()
}

func (pm *partitionMetrics) deadLetter(kind Kind) {
	pm.deadLettered.Inc()
	pm.m.deadLetters.WithLabelValues(pm.topic, string(kind)).Inc()
}

// forget drops the partition's gauges when it is revoked, so another member's series is
// not shadowed by a stale one.
func (pm *partitionMetrics) forget() {
	pm.m.lag.DeleteLabelValues(pm.topic, pm.partition)
	pm.m.retrying.DeleteLabelValues(pm.topic, pm.partition)
}
