package simulate

import (
	"io"
	"net/http"
	"net/http/httptest"
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

// BenchmarkRunCalls measures a run's events/s when its API calls cost a round trip each
// (an HTTP server answering after 2 ms, as a service committing to PostgreSQL does): made
// one by one, the baseline, and through the call pool at the soak's 16 at once, in the
// same run. The events go nowhere (a memory sink): the calls alone set the pace.
func BenchmarkRunCalls(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
		w.Header().Set("ETag", `"1"`)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"1","upload":{"url":"`+"http://"+r.Host+`/upload","fields":{}}}`)
	}))
	b.Cleanup(srv.Close)
	const events = 3000
	perSecond := func(concurrency int) float64 {
		sink, err := NewHTTPSink(srv.URL)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		st, err := Run(b.Context(), Config{Rate: 1e6, Duration: events * time.Microsecond, Seed: "bench-calls",
			Sink: &memSink{}, Calls: sink, Concurrency: concurrency})
		if err != nil {
			b.Fatal(err)
		}
		if st.CallErrors > 0 {
			b.Fatalf("concurrency %d: %d calls failed", concurrency, st.CallErrors)
		}
		return float64(st.Events) / time.Since(start).Seconds()
	}
	var serial, pooled float64
	for b.Loop() {
		serial, pooled = perSecond(1), perSecond(16)
	}
	b.ReportMetric(serial, "events/s-one-by-one")
	b.ReportMetric(pooled, "events/s-16-at-once")
	b.ReportMetric(pooled/serial, "x")
}
