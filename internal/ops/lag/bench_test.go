package lag_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/testkit/kafkatest"
)

// BenchmarkObserve measures one observation of 5 groups lagging on 4 topics of 6 partitions
// (120 lagging group-partitions) on kfake: "cold" reads every record timestamp (a fresh
// observer: a one-shot `groups lag`), "warm" finds them all in the cache (the exporter's
// steady state while groups do not move).
func BenchmarkObserve(b *testing.B) {
	env := kafkatest.New(b)
	cl := env.Client(b)
	ctx := context.Background()
	adm := kadm.NewClient(cl)
	topics := []string{"bench.a", "bench.b", "bench.c", "bench.d"}
	if _, err := adm.CreateTopics(ctx, 6, -1, nil, topics...); err != nil {
		b.Fatal(err)
	}
	var recs []*kgo.Record
	for _, t := range topics {
		for p := range int32(6) {
			for i := range 200 {
				recs = append(recs, &kgo.Record{Topic: t, Partition: p, Value: []byte{byte(i)}})
			}
		}
	}
	pcl := env.Client(b, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err := pcl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		b.Fatal(err)
	}
	groups := []string{"g1", "g2", "g3", "g4", "g5"}
	for gi, g := range groups {
		var os kadm.Offsets
		for _, t := range topics {
			for p := range int32(6) {
				os.AddOffset(t, p, int64(20*(gi+1)), -1)
			}
		}
		if _, err := adm.CommitOffsets(ctx, g, os); err != nil {
			b.Fatal(err)
		}
	}
	observe := func(b *testing.B, obs *lag.Observer) {
		snap, err := obs.Observe(ctx, groups...)
		if err != nil {
			b.Fatal(err)
		}
		for _, g := range snap.Groups {
			if g.LagSeconds < 0 || len(g.Partitions) != 24 {
				b.Fatalf("group %s: %d partitions, lag seconds %f", g.Group, len(g.Partitions), g.LagSeconds)
			}
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			obs, err := lag.New(lag.Config{Client: cl})
			if err != nil {
				b.Fatal(err)
			}
			observe(b, obs)
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/observation")
	})
	b.Run("warm", func(b *testing.B) {
		obs, err := lag.New(lag.Config{Client: cl, Window: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		observe(b, obs)
		for b.Loop() {
			observe(b, obs)
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/observation")
	})
}
