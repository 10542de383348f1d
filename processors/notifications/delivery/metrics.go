package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/telemetry"
	"github.com/novatrek/support/processors/notifications/provider"
)

// Lane labels of novatrek_notifications_due_rows.
const (
	laneLabelEmergency = "emergency"
	laneLabelRoutine   = "routine"
)

// metrics are the delivery stage's Prometheus collectors. A nil *metrics (no Registerer)
// records nothing, so callers never check.
type metrics struct {
	deliveries  *prometheus.CounterVec
	providerDur *prometheus.HistogramVec
	breakerOpen *prometheus.GaugeVec
	dueRows     *prometheus.GaugeVec
}

// newMetrics registers the collectors on reg through telemetry.Register, so a Delivery
// restarted in the same process keeps counting on the same series. A nil reg gives nil.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	var m metrics
	var err error
	if m.deliveries, err = telemetry.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "novatrek_notifications_deliveries_total",
		Help: "Delivery attempts by channel, provider and outcome (sent, failed, retry, poison).",
	}, []string{"channel", "provider", "outcome"})); err != nil {
		return nil, fmt.Errorf("delivery: register deliveries metric: %w", err)
	}
	if m.providerDur, err = telemetry.Register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "novatrek_notifications_provider_seconds",
		Help:    "Duration of provider calls (throttle and circuit breaker excluded).",
		Buckets: prometheus.DefBuckets,
	}, []string{"provider"})); err != nil {
		return nil, fmt.Errorf("delivery: register provider duration metric: %w", err)
	}
	if m.breakerOpen, err = telemetry.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "novatrek_notifications_breaker_open",
		Help: "1 while the provider's circuit breaker is open (or half-open), else 0.",
	}, []string{"provider"})); err != nil {
		return nil, fmt.Errorf("delivery: register breaker metric: %w", err)
	}
	if m.dueRows, err = telemetry.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "novatrek_notifications_due_rows",
		Help: "Notification rows due for dispatch at the start of the dispatcher's last round, by lane.",
	}, []string{"lane"})); err != nil {
		return nil, fmt.Errorf("delivery: register due rows metric: %w", err)
	}
	return &m, nil
}

// delivered counts one attempt outcome.
func (m *metrics) delivered(channel, prov, outcome string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(channel, prov, outcome).Inc()
}

// breaker sets the breaker gauge of prov.
func (m *metrics) breaker(prov string, open bool) {
	if m == nil {
		return
	}
	v := 0.0
	if open {
		v = 1
	}
	m.breakerOpen.WithLabelValues(prov).Set(v)
}

// timed wraps s so each call's duration is observed; s itself when m is nil.
func (m *metrics) timed(s provider.Sender) provider.Sender {
	if m == nil {
		return s
	}
	return &timedSender{Sender: s, hist: m.providerDur.WithLabelValues(s.Name())}
}

// timedSender observes the duration of each provider call.
type timedSender struct {
	provider.Sender
	hist prometheus.Observer
}

func (t *timedSender) Send(ctx context.Context, msg provider.Message) (provider.Result, error) {
	start := time.Now()
	res, err := t.Sender.Send(ctx, msg)
	t.hist.Observe(time.Since(start).Seconds())
	return res, err
}

// dueCountSQL counts the rows dueSQL would claim, by lane.
const dueCountSQL = `SELECT count(*) FILTER (WHERE priority = 'emergency'), count(*) FILTER (WHERE priority <> 'emergency')
FROM notifications.notifications
WHERE status = 'pending' OR (status = 'deferred' AND defer_until <= now())`

// observeDue sets the due-rows gauges; it does nothing without metrics. A failed count is
// logged and leaves the gauges as they were: metrics never stop dispatching.
func (d *Delivery) observeDue(ctx context.Context) {
	if d.metrics == nil {
		return
	}
	var emergency, routine int64
	if err := d.cfg.Pool.QueryRow(ctx, dueCountSQL).Scan(&emergency, &routine); err != nil {
		if ctx.Err() == nil {
			d.cfg.Logger.WarnContext(ctx, "counting due notifications for metrics", "err", err)
		}
		return
	}
	d.metrics.dueRows.WithLabelValues(laneLabelEmergency).Set(float64(emergency))
	d.metrics.dueRows.WithLabelValues(laneLabelRoutine).Set(float64(routine))
}
