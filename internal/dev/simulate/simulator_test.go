package simulate

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/publish"
	"github.com/novatrek/support/schemas"
)

// TestRunProducesDecodableEventsAtTheRate runs the simulator for 1s at 300 events/s into
// kfake through the registry: exactly 300 records arrive, each decodes with its topic's
// schema, is keyed by the topic's key field, and their occurred-at times span about a second.
func TestRunProducesDecodableEventsAtTheRate(t *testing.T) {
	t.Parallel()
	sinks := map[string]func(*testing.T, *kafkatest.Env) Sink{
		"publish": func(t *testing.T, env *kafkatest.Env) Sink {
			cl := env.Client(t)
			pub, err := publish.New(cl, env.RegistryURL, publish.WithSerde(env.Serde))
			if err != nil {
				t.Fatal(err)
			}
			return NewPublishSink(cl, pub)
		},
		"serde": func(t *testing.T, env *kafkatest.Env) Sink { return NewKafkaSink(env.Client(t), env.Serde) },
	}
	for name, sink := range sinks {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testRunAtTheRate(t, sink)
		})
	}
}

func testRunAtTheRate(t *testing.T, sink func(*testing.T, *kafkatest.Env) Sink) {
	env := kafkatest.New(t, kfake.SeedTopics(3, Topics(topo(t))...))
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	const rate, want = 300, 300
	st, err := Run(ctx, Config{
		Rate: rate, Duration: time.Second, Seed: "kafka", Sink: sink(t, env), Metrics: reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != want || st.Seed != "kafka" {
		t.Fatalf("stats %+v; want %d events", st, want)
	}
	if got := counterSum(t, reg, "novatrek_simulator_events_total"); got != want {
		t.Fatalf("novatrek_simulator_events_total = %v; want %d", got, want)
	}

	cl := env.Client(t, kgo.ConsumeTopics(Topics(topo(t))...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	tp := topo(t)
	var first, last time.Time
	got := 0
	deadline, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for got < want {
		fs := cl.PollFetches(deadline)
		if err := deadline.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", got, want, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			got++
			top, _ := tp.Topic(r.Topic)
			ev, _ := schemas.New(top.ValueSchema)
			if err := env.Serde.Decode(ctx, r.Value, ev.Schema(), ev); err != nil {
				t.Fatalf("decode %s@%d: %v", r.Topic, r.Offset, err)
			}
			if key, err := event.Key(ev, top.Key); err != nil || key != string(r.Key) {
				t.Fatalf("%s@%d: key %q, %s = %q (%v)", r.Topic, r.Offset, r.Key, top.Key, key, err)
			}
			at := ev.EventMeta().OccurredAt
			if first.IsZero() || at.Before(first) {
				first = at
			}
			if at.After(last) {
				last = at
			}
		})
	}
	// 300 events paced at 300/s never go faster than the rate: 299 intervals of 1/300 s.
	span := last.Sub(first)
	if span < 990*time.Millisecond || span > 5*time.Second {
		t.Fatalf("300 events at 300/s spanned %v of occurred-at; want about 1s", span)
	}
}

// counterSum adds up every series of the counter name in reg.
func counterSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

func TestRunRefusesBadConfig(t *testing.T) {
	t.Parallel()
	sink := NewKafkaSink(nil, nil)
	for _, c := range []Config{{Rate: 0, Sink: sink}, {Rate: -1, Sink: sink}, {Rate: 5}, {Rate: 5, Duration: -time.Second, Sink: sink}} {
		if _, err := Run(context.Background(), c); err == nil {
			t.Errorf("Run(%+v) accepted", c)
		}
	}
}
