package simulate

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/publish"
)

// BenchmarkGenerate measures how fast the generator makes events and Avro-encodes them (no
// Kafka): the ceiling of --rate on one core.
func BenchmarkGenerate(b *testing.B) {
	g, err := NewGenerator("bench", topo(b))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		ev, err := g.Next(now.Add(time.Duration(i) * time.Millisecond))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ev.Value.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkRunIntoKafka measures events/s through Run and PublishSink into kfake with the
// registry, unpaced (the rate is far above what the sink takes).
func BenchmarkRunIntoKafka(b *testing.B) {
	env := kafkatest.New(b, kfake.SeedTopics(3, Topics(topo(b))...))
	cl := env.Client(b)
	pub, err := publish.New(cl, env.RegistryURL, publish.WithSerde(env.Serde))
	if err != nil {
		b.Fatal(err)
	}
	const rate = 1e6
	b.ResetTimer()
	start := time.Now()
	st, err := Run(b.Context(), Config{
		Rate: rate, Duration: time.Duration(float64(b.N) / rate * float64(time.Second)), Seed: "bench",
		Sink: NewPublishSink(cl, pub),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Events)/time.Since(start).Seconds(), "events/s")
}
