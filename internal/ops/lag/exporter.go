package lag

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultInterval is how often the exporter observes the cluster: Prometheus's usual scrape
// interval, so every scrape sees a fresh observation.
const DefaultInterval = 15 * time.Second

// ExporterConfig configures an Exporter.
type ExporterConfig struct {
	// Observer takes the observations. Required.
	Observer *Observer
	// Outboxes, when set, is read for the outbox gauges (see ReadOutboxes). Leave it nil in a
	// process whose relays already export them (the dev stack), or the names collide.
	Outboxes *pgxpool.Pool
	// Interval between observations; default DefaultInterval.
	Interval time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Exporter is a Prometheus collector serving the latest observation, which Run refreshes.
// Scrapes never touch Kafka: they read what the last observation found.
//
// The consumer group and topic series carry the names and labels of danielqsj/kafka_exporter,
// so existing dashboards and alerts work unchanged:
//
//	kafka_consumergroup_current_offset{consumergroup,topic,partition}  committed offset (-1: none)
//	kafka_consumergroup_current_offset_sum{consumergroup,topic}
//	kafka_consumergroup_lag{consumergroup,topic,partition}             records behind the last stable offset
//	kafka_consumergroup_lag_sum{consumergroup,topic}
//	kafka_consumergroup_members{consumergroup}
//	kafka_topic_partitions{topic}
//	kafka_topic_partition_current_offset{topic,partition}              high watermark
//	kafka_topic_partition_oldest_offset{topic,partition}               log start
//
// and ours:
//
//	kafka_consumergroup_lag_seconds{consumergroup,topic,partition}     age of the oldest unconsumed record (absent when unknown)
//	novatrek_consumergroup_status{consumergroup,status}                1 for the group's status, 0 for the others
//	novatrek_consumergroup_status_code{consumergroup}                  0 OK, 1 EMPTY, 2 WARN, 3 STALL, 4 STOP, 5 ERR
//	novatrek_consumergroup_inactive{consumergroup}                     1 when nobody runs the group (Group.Inactive)
//	novatrek_dlq_records{consumergroup,topic}                          records in the group's dead-letter topic now
//	novatrek_dlq_records_produced_total{consumergroup,topic}           records it ever received (sum of end offsets)
//	novatrek_outbox_backlog_rows{outbox}, novatrek_outbox_oldest_row_age_seconds{outbox}  with Outboxes only
//	novatrek_lag_observe_errors_total, novatrek_lag_last_observation_timestamp_seconds
type Exporter struct {
	cfg ExporterConfig

	mu        sync.RWMutex
	snap      *Snapshot
	outboxes  []OutboxBacklog
	errs      float64
	lastTaken time.Time
}

// NewExporter checks cfg and returns an Exporter with nothing observed yet.
func NewExporter(cfg ExporterConfig) (*Exporter, error) {
	if cfg.Observer == nil {
		return nil, errors.New("lag: ExporterConfig.Observer is required")
	}
	if cfg.Interval < 0 {
		return nil, errors.New("lag: ExporterConfig.Interval is negative")
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Exporter{cfg: cfg}, nil
}

// Run refreshes the exporter every Interval until ctx ends, and returns nil then. A failed
// observation is logged and counted; the previous one keeps being served.
func (e *Exporter) Run(ctx context.Context) error {
	t := time.NewTicker(e.cfg.Interval)
	defer t.Stop()
	for {
		if err := e.Refresh(ctx); err != nil && ctx.Err() == nil {
			e.cfg.Logger.WarnContext(ctx, "lag exporter: observation failed; serving the previous one", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Refresh takes one observation (and reads the outboxes, when configured) now.
func (e *Exporter) Refresh(ctx context.Context) error {
	snap, err := e.cfg.Observer.Observe(ctx)
	var outboxes []OutboxBacklog
	var oerr error
	if e.cfg.Outboxes != nil {
		outboxes, oerr = ReadOutboxes(ctx, e.cfg.Outboxes)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		e.errs++
	} else {
		e.snap = &snap
		e.lastTaken = snap.At
	}
	if oerr != nil {
		e.errs++
	} else if e.cfg.Outboxes != nil {
		e.outboxes = outboxes
	}
	return errors.Join(err, oerr)
}

// Latest returns the last observation, or false before the first one succeeded.
func (e *Exporter) Latest() (Snapshot, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.snap == nil {
		return Snapshot{}, false
	}
	return *e.snap, true
}

var (
	gpLabels = []string{"consumergroup", "topic", "partition"}

	descCurrentOffset    = prometheus.NewDesc("kafka_consumergroup_current_offset", "Committed offset of a consumer group at topic/partition (-1: nothing committed).", gpLabels, nil)
	descCurrentOffsetSum = prometheus.NewDesc("kafka_consumergroup_current_offset_sum", "Sum of the committed offsets of a consumer group over a topic's partitions.", []string{"consumergroup", "topic"}, nil)
	descLag              = prometheus.NewDesc("kafka_consumergroup_lag", "Records between the committed offset of a consumer group and the last stable offset, at topic/partition.", gpLabels, nil)
	descLagSum           = prometheus.NewDesc("kafka_consumergroup_lag_sum", "Lag of a consumer group summed over a topic's partitions.", []string{"consumergroup", "topic"}, nil)
	descLagSeconds       = prometheus.NewDesc("kafka_consumergroup_lag_seconds", "Age of the oldest record a consumer group has not consumed at topic/partition (0: caught up), from record timestamps.", gpLabels, nil)
	descMembers          = prometheus.NewDesc("kafka_consumergroup_members", "Live members of a consumer group.", []string{"consumergroup"}, nil)
	descTopicPartitions  = prometheus.NewDesc("kafka_topic_partitions", "Partitions of a topic.", []string{"topic"}, nil)
	descTopicCurrent     = prometheus.NewDesc("kafka_topic_partition_current_offset", "High watermark of a topic/partition.", []string{"topic", "partition"}, nil)
	descTopicOldest      = prometheus.NewDesc("kafka_topic_partition_oldest_offset", "Log start offset of a topic/partition.", []string{"topic", "partition"}, nil)
	descStatus           = prometheus.NewDesc("novatrek_consumergroup_status", "1 for the consumer group's Burrow-style status over the window (OK, EMPTY, WARN, STALL, STOP, ERR), 0 for the others.", []string{"consumergroup", "status"}, nil)
	descStatusCode       = prometheus.NewDesc("novatrek_consumergroup_status_code", "Consumer group status as a number: 0 OK, 1 EMPTY, 2 WARN, 3 STALL, 4 STOP, 5 ERR.", []string{"consumergroup"}, nil)
	descInactive         = prometheus.NewDesc("novatrek_consumergroup_inactive", "1 when nobody runs the consumer group (not one of our services, no live member, no offset moved in the window): its status is not an alarm.", []string{"consumergroup"}, nil)
	descDLQRecords       = prometheus.NewDesc("novatrek_dlq_records", "Records in a consumer group's dead-letter topic (end minus start offsets).", []string{"consumergroup", "topic"}, nil)
	descDLQProduced      = prometheus.NewDesc("novatrek_dlq_records_produced_total", "Records a consumer group's dead-letter topic ever received (sum of its end offsets).", []string{"consumergroup", "topic"}, nil)
	descOutboxRows       = prometheus.NewDesc("novatrek_outbox_backlog_rows", "Rows waiting in the outbox table, read by the lag exporter.", []string{"outbox"}, nil)
	descOutboxAge        = prometheus.NewDesc("novatrek_outbox_oldest_row_age_seconds", "Age of the oldest row waiting in the outbox table, read by the lag exporter.", []string{"outbox"}, nil)
	descObserveErrors    = prometheus.NewDesc("novatrek_lag_observe_errors_total", "Observations of the cluster (or outbox reads) by the lag exporter that failed.", nil, nil)
	descLastObservation  = prometheus.NewDesc("novatrek_lag_last_observation_timestamp_seconds", "Unix time of the lag exporter's last successful observation.", nil, nil)
)

// Describe sends the descriptors; the outbox ones only when the exporter reads outboxes.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCurrentOffset, descCurrentOffsetSum, descLag, descLagSum, descLagSeconds,
		descMembers, descTopicPartitions, descTopicCurrent, descTopicOldest, descStatus, descStatusCode, descInactive,
		descDLQRecords, descDLQProduced, descObserveErrors, descLastObservation} {
		ch <- d
	}
	if e.cfg.Outboxes != nil {
		ch <- descOutboxRows
		ch <- descOutboxAge
	}
}

// Collect sends the series of the latest observation.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	ch <- prometheus.MustNewConstMetric(descObserveErrors, prometheus.CounterValue, e.errs)
	for _, o := range e.outboxes {
		gauge(descOutboxRows, float64(o.Rows), o.Schema)
		gauge(descOutboxAge, o.OldestAge.Seconds(), o.Schema)
	}
	if e.snap == nil {
		return
	}
	gauge(descLastObservation, float64(e.lastTaken.UnixNano())/1e9)
	for _, g := range e.snap.Groups {
		gauge(descMembers, float64(len(g.Members)), g.Group)
		for _, s := range Statuses() {
			v := 0.0
			if s == g.Status {
				v = 1
			}
			gauge(descStatus, v, g.Group, s.String())
		}
		gauge(descStatusCode, float64(g.Status), g.Group)
		inactive := 0.0
		if g.Inactive {
			inactive = 1
		}
		gauge(descInactive, inactive, g.Group)
		type sums struct{ offset, lag float64 }
		byTopic := make(map[string]*sums)
		for _, p := range g.Partitions {
			part := strconv.Itoa(int(p.Partition))
			gauge(descCurrentOffset, float64(p.Committed), g.Group, p.Topic, part)
			if p.Err != "" {
				continue
			}
			gauge(descLag, float64(p.Lag), g.Group, p.Topic, part)
			if p.LagSeconds >= 0 {
				gauge(descLagSeconds, p.LagSeconds, g.Group, p.Topic, part)
			}
			s := byTopic[p.Topic]
			if s == nil {
				s = &sums{}
				byTopic[p.Topic] = s
			}
			s.offset += float64(max(p.Committed, 0))
			s.lag += float64(p.Lag)
		}
		for topic, s := range byTopic {
			gauge(descCurrentOffsetSum, s.offset, g.Group, topic)
			gauge(descLagSum, s.lag, g.Group, topic)
		}
	}
	partitions := make(map[string]int)
	for _, tp := range e.snap.Partitions {
		part := strconv.Itoa(int(tp.Partition))
		gauge(descTopicCurrent, float64(tp.HighWater), tp.Topic, part)
		gauge(descTopicOldest, float64(tp.Start), tp.Topic, part)
		partitions[tp.Topic]++
	}
	for topic, n := range partitions {
		gauge(descTopicPartitions, float64(n), topic)
	}
	for _, d := range e.snap.DeadLetters {
		gauge(descDLQRecords, float64(d.Records), d.Group, d.Topic)
		ch <- prometheus.MustNewConstMetric(descDLQProduced, prometheus.CounterValue, float64(d.Produced), d.Group, d.Topic)
	}
}
