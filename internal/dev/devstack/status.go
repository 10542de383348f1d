package devstack

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// The live status reads the stack's own Prometheus registry (what /metrics serves), never
// Kafka: the stream runtime's record and dead-letter counters, the outbox relays' backlog
// gauges, the lag exporter's kafka_consumergroup_lag (the runtime's own consumer_lag gauge
// when no exporter runs) and the simulator's counter.
const (
	metricRecords     = "novatrek_stream_records_total"      // {service, group, topic, outcome}
	metricDeadLetters = "novatrek_stream_dead_letters_total" // {service, group, topic, kind}
	metricStreamLag   = "novatrek_stream_consumer_lag"       // {service, group, topic, partition}
	metricGroupLag    = "kafka_consumergroup_lag"            // {consumergroup, topic, partition}
	metricBacklog     = "novatrek_outbox_backlog_rows"       // {service, outbox}
	metricSimulated   = "novatrek_simulator_events_total"    // {topic}
	metricSimCalls    = "novatrek_simulator_api_calls_total" // {caller, result}
)

// statusSample is one reading of the registry.
type statusSample struct {
	at        time.Time
	simulated float64
	calls     map[string]float64 // the simulator's API calls by result: ok, error, expected, skipped
	records   map[string]float64 // service -> records finished, all outcomes
	dlq       map[string]float64 // service -> records dead-lettered
	lag       map[string]float64 // service (= consumer group) -> records behind
	backlog   map[string]float64 // service -> outbox rows waiting
}

// takeSample gathers g once.
func takeSample(g prometheus.Gatherer, at time.Time) (statusSample, error) {
	mfs, err := g.Gather()
	if err != nil && len(mfs) == 0 {
		return statusSample{}, fmt.Errorf("gather metrics: %w", err)
	}
	s := statusSample{at: at, records: map[string]float64{}, dlq: map[string]float64{}, lag: map[string]float64{}, backlog: map[string]float64{}, calls: map[string]float64{}}
	groupLag := map[string]float64{}
	haveGroupLag := false
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case metricRecords:
				s.records[svcLabel(m)] += m.GetCounter().GetValue()
			case metricDeadLetters:
				s.dlq[svcLabel(m)] += m.GetCounter().GetValue()
			case metricStreamLag:
				s.lag[svcLabel(m)] += m.GetGauge().GetValue()
			case metricGroupLag:
				haveGroupLag = true
				groupLag[label(m, "consumergroup")] += max(m.GetGauge().GetValue(), 0) // -1: unknown
			case metricBacklog:
				s.backlog[svcLabel(m)] += m.GetGauge().GetValue()
			case metricSimulated:
				s.simulated += m.GetCounter().GetValue()
			case metricSimCalls:
				s.calls[label(m, "result")] += m.GetCounter().GetValue()
			}
		}
	}
	if haveGroupLag {
		s.lag = groupLag
	}
	return s, nil
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// svcLabel is the series' service (the dev stack labels every service's metrics with it),
// else its group.
func svcLabel(m *dto.Metric) string {
	if v := label(m, "service"); v != "" {
		return v
	}
	if v := label(m, "group"); v != "" {
		return v
	}
	return "?"
}

// renderStatus is one status line from two samples, e.g.
//
//	22:31:05 sim 5.0/s | svc-notifications 3.2/s lag 0 dlq 0 outbox 2 | svc-payments 1.1/s lag 4 dlq 1(+1) outbox 0
//
// Rates are over the time between the samples; dlq is what the service dead-lettered since
// this process started (a counter), with what is new since prev in parentheses.
func renderStatus(prev, cur statusSample) string {
	secs := cur.at.Sub(prev.at).Seconds()
	rate := func(a, b float64) string {
		if secs <= 0 || b < a {
			return "0.0/s"
		}
		return strconv.FormatFloat((b-a)/secs, 'f', 1, 64) + "/s"
	}
	var b strings.Builder
	b.WriteString(cur.at.Format(time.TimeOnly))
	if cur.simulated > 0 || prev.simulated > 0 {
		b.WriteString(" sim " + rate(prev.simulated, cur.simulated))
	}
	// The simulated API calls since start: ok, failed and, when any, refused on purpose
	// (a duplicate's 409); skipped calls (no service serves the route) were said at start.
	if c := cur.calls; c["ok"]+c["error"]+c["expected"] > 0 {
		fmt.Fprintf(&b, " calls %.0f ok %.0f failed", c["ok"], c["error"])
		if c["expected"] > 0 {
			fmt.Fprintf(&b, " %.0f refused as meant", c["expected"])
		}
	}
	names := map[string]bool{}
	for _, m := range []map[string]float64{cur.records, cur.dlq, cur.lag, cur.backlog} {
		for k := range m {
			names[k] = true
		}
	}
	if len(names) == 0 {
		b.WriteString(" | no stream consumers yet")
	}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		fmt.Fprintf(&b, " | %s %s lag %s dlq %s", n, rate(prev.records[n], cur.records[n]), count(cur.lag[n]), count(cur.dlq[n]))
		if d := cur.dlq[n] - prev.dlq[n]; d > 0 {
			fmt.Fprintf(&b, "(+%s)", count(d))
		}
		if v, ok := cur.backlog[n]; ok {
			b.WriteString(" outbox " + count(v))
		}
	}
	return b.String()
}

func count(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }

// startStatus writes a status line to cfg.Status every StatusInterval, when both are set.
func (s *Stack) startStatus(ctx context.Context) error {
	if s.cfg.StatusInterval <= 0 || s.cfg.Status == nil {
		return nil
	}
	w, every := s.cfg.Status, s.cfg.StatusInterval
	prev, err := takeSample(s.metrics, time.Now())
	if err != nil {
		return err
	}
	s.background("live status", func(ctx context.Context) error {
		return printStatus(ctx, s.metrics, w, every, prev)
	})
	s.log.InfoContext(ctx, "live status every "+every.String())
	return nil
}

func printStatus(ctx context.Context, g prometheus.Gatherer, w io.Writer, every time.Duration, prev statusSample) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			cur, err := takeSample(g, now)
			if err != nil {
				fmt.Fprintln(w, now.Format(time.TimeOnly)+" status unavailable: "+err.Error())
				continue
			}
			fmt.Fprintln(w, renderStatus(prev, cur))
			prev = cur
		}
	}
}
