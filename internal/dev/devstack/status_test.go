package devstack

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// TestStatusLineFromARealPipeline: the simulator and a real stream processor (the test
// processor) register their real collectors in one registry, labelled as the dev stack
// labels a service's; the status line built from two readings of it shows the simulator's
// rate and the service's records, rate, lag and dead letters.
func TestStatusLineFromARealPipeline(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	topics := append([]string{topology.DeadLetterTopic(testproc.Group)}, simulate.Topics(topo)...)
	env := kafkatest.New(t, kfake.SeedTopics(3, topics...))
	pool := pgtest.NewDB(t)
	if err := testproc.Migrate(ctx, pool, testproc.Schema); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	tp, err := testproc.New(testproc.Schema, env.Serde)
	if err != nil {
		t.Fatal(err)
	}
	proc, err := stream.New(stream.Config{
		Group: testproc.Group, Brokers: env.Brokers, Pool: pool, Schema: testproc.Schema, Routes: tp.Routes(),
		Serde: env.Serde, Logger: testLogger(t),
		Metrics: prometheus.WrapRegistererWith(prometheus.Labels{"service": testproc.Group}, reg),
	})
	if err != nil {
		t.Fatal(err)
	}
	streamtest.Start(t, proc)

	prev, err := takeSample(reg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st, err := simulate.Run(ctx, simulate.Config{
		Rate: 400, Duration: 500 * time.Millisecond, Seed: "status", Metrics: reg,
		Sink: simulate.NewKafkaSink(env.Client(t), env.Serde),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := float64(st.ByTopic["novatrek.booking.reservation.created"] + st.ByTopic["novatrek.booking.reservation.status-changed"])
	var cur statusSample
	streamtest.Eventually(t, "the processor's records counter reaching what was produced", func() (bool, error) {
		cur, err = takeSample(reg, time.Now())
		return err == nil && cur.records[testproc.Group] == want, err
	})
	if cur.simulated != float64(st.Events) || st.Events != 200 {
		t.Fatalf("simulated = %v, stats %d; want 200", cur.simulated, st.Events)
	}
	line := renderStatus(prev, cur)
	t.Log(line)
	m := regexp.MustCompile(`^\d\d:\d\d:\d\d sim ([0-9.]+)/s \| svc-testproc ([0-9.]+)/s lag \d+ dlq 0$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("status line %q does not have the expected shape", line)
	}
	secs := cur.at.Sub(prev.at).Seconds()
	for i, n := range []float64{float64(st.Events), want} {
		got, _ := strconv.ParseFloat(m[i+1], 64)
		if exp := n / secs; got < exp-0.1 || got > exp+0.1 {
			t.Errorf("rate %d in %q = %v; want %d records over %.2fs = %.1f/s", i, line, got, int(n), secs, exp)
		}
	}
}

// TestRenderStatus pins the format: services sorted, rates over the time between readings,
// new dead letters in parentheses, outbox backlog only for services with a relay, and lag
// from kafka_consumergroup_lag once the lag exporter's series exist.
func TestRenderStatus(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	type svc struct {
		records, dlq *prometheus.CounterVec
		lag          *prometheus.GaugeVec
	}
	mk := func(name string) svc {
		s := svc{
			records: prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricRecords}, []string{"group", "topic", "outcome"}),
			dlq:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricDeadLetters}, []string{"group", "topic", "kind"}),
			lag:     prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metricStreamLag}, []string{"group", "topic", "partition"}),
		}
		prometheus.WrapRegistererWith(prometheus.Labels{"service": name}, reg).MustRegister(s.records, s.dlq, s.lag)
		return s
	}
	pay, notif := mk("svc-payments"), mk("svc-notifications")
	backlog := prometheus.NewGauge(prometheus.GaugeOpts{Name: metricBacklog, ConstLabels: prometheus.Labels{"outbox": "payments"}})
	prometheus.WrapRegistererWith(prometheus.Labels{"service": "svc-payments"}, reg).MustRegister(backlog)
	sim := prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricSimulated}, []string{"topic"})
	reg.MustRegister(sim)

	t0 := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	read := func(at time.Time) statusSample {
		s, err := takeSample(reg, at)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	prev := read(t0)
	check := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("status line\n got %q\nwant %q", got, want)
		}
	}
	backlog.Set(0)
	check(renderStatus(prev, prev), "08:00:00 | svc-payments 0.0/s lag 0 dlq 0 outbox 0")

	pay.records.WithLabelValues("svc-payments", "t", "handled").Add(50)
	notif.records.WithLabelValues("svc-notifications", "t", "handled").Add(100)
	notif.records.WithLabelValues("svc-notifications", "t", "dead_lettered").Add(2)
	notif.dlq.WithLabelValues("svc-notifications", "t", "permanent").Add(2)
	pay.lag.WithLabelValues("svc-payments", "t", "0").Set(7)
	backlog.Set(3)
	sim.WithLabelValues("t").Add(50)
	cur := read(t0.Add(10 * time.Second))
	check(renderStatus(prev, cur), "08:00:10 sim 5.0/s | svc-notifications 10.2/s lag 0 dlq 2(+2) | svc-payments 5.0/s lag 7 dlq 0 outbox 3")

	groupLag := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metricGroupLag}, []string{"consumergroup", "topic", "partition"})
	reg.MustRegister(groupLag)
	groupLag.WithLabelValues("svc-payments", "t", "0").Set(11)
	groupLag.WithLabelValues("svc-notifications", "t", "0").Set(-1) // unknown
	check(renderStatus(cur, read(t0.Add(20*time.Second))), "08:00:20 sim 0.0/s | svc-notifications 0.0/s lag 0 dlq 2 | svc-payments 0.0/s lag 11 dlq 0 outbox 3")

	calls := prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricSimCalls}, []string{"caller", "result"})
	reg.MustRegister(calls)
	calls.WithLabelValues("guest-app", "ok").Add(40)
	calls.WithLabelValues("procurement-ops", "ok").Add(2)
	calls.WithLabelValues("guest-app", "error").Add(1)
	calls.WithLabelValues("guest-app", "skipped").Add(9)
	check(renderStatus(cur, read(t0.Add(30*time.Second))), "08:00:30 sim 0.0/s calls 42 ok 1 failed | svc-notifications 0.0/s lag 0 dlq 2 | svc-payments 0.0/s lag 11 dlq 0 outbox 3")
	calls.WithLabelValues("guest-app", "expected").Add(3)
	check(renderStatus(cur, read(t0.Add(40*time.Second))), "08:00:40 sim 0.0/s calls 42 ok 1 failed 3 refused as meant | svc-notifications 0.0/s lag 0 dlq 2 | svc-payments 0.0/s lag 11 dlq 0 outbox 3")
}

func TestRenderStatusWithNothingRunning(t *testing.T) {
	t.Parallel()
	s, err := takeSample(prometheus.NewRegistry(), time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if got := renderStatus(s, s); got != "08:00:00 | no stream consumers yet" {
		t.Fatalf("status line %q", got)
	}
}
