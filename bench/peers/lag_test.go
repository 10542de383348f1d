package peers

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/lag"
)

// lagScrapes is how many scrapes each lag contender serves.
const lagScrapes = 200

// lagWorld commits offsets for 5 groups on the replay topic and 3 more topics of 6
// partitions (120 lagging group-partitions), as the lag package's own benchmark does.
func lagWorld(ctx context.Context, w *world) ([]string, error) {
	adm := kadm.NewClient(w.admin)
	topics := []string{topic, "bench.peers.lag.b", "bench.peers.lag.c", "bench.peers.lag.d"}
	w.kafka.CreateTopics(w.b, partitions, topics[1:]...)
	var recs []*kgo.Record
	for _, t := range topics[1:] {
		for p := range int32(partitions) {
			for i := range 200 {
				recs = append(recs, &kgo.Record{Topic: t, Partition: p, Value: []byte{byte(i)}})
			}
		}
	}
	pcl, err := kgo.NewClient(kgo.SeedBrokers(w.brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return nil, err
	}
	defer pcl.Close()
	if err := pcl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return nil, err
	}
	var groups []string
	for g := range 5 {
		name := "lag-" + strconv.Itoa(g)
		var os kadm.Offsets
		for _, t := range topics {
			for p := range int32(partitions) {
				os.AddOffset(t, p, int64(20*(g+1)), -1)
			}
		}
		if _, err := adm.CommitOffsets(ctx, name, os); err != nil {
			return nil, err
		}
		groups = append(groups, name)
	}
	return groups, nil
}

// scrapeOurs is Prometheus scraping our exporter: the latest observation, taken every
// interval in the background (one Refresh here), rendered without touching Kafka.
func scrapeOurs(ctx context.Context, w *world, groups []string) (time.Duration, error) {
	obs, err := lag.New(lag.Config{Client: w.admin, Groups: groups})
	if err != nil {
		return 0, err
	}
	exp, err := lag.NewExporter(lag.ExporterConfig{Observer: obs})
	if err != nil {
		return 0, err
	}
	if err := exp.Refresh(ctx); err != nil {
		return 0, err
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(exp); err != nil {
		return 0, err
	}
	start := time.Now()
	for range lagScrapes {
		if _, err := reg.Gather(); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// scrapePolling is what kafka_exporter does on every scrape: list and describe the groups,
// fetch their committed offsets and the topics' end and start offsets, and compute the lag
// series.
func scrapePolling(ctx context.Context, w *world, _ []string) (time.Duration, error) {
	adm := kadm.NewClient(w.admin)
	start := time.Now()
	for range lagScrapes {
		listed, err := adm.ListGroups(ctx)
		if err != nil {
			return 0, err
		}
		lags, err := adm.Lag(ctx, listed.Groups()...)
		if err != nil {
			return 0, err
		}
		series := 0
		var topics []string
		lags.Each(func(l kadm.DescribedGroupLag) {
			for t, ps := range l.Lag {
				topics = append(topics, t)
				series += len(ps)
			}
		})
		if _, err := adm.ListStartOffsets(ctx, topics...); err != nil {
			return 0, err
		}
		if series == 0 {
			return 0, errNoSeries
		}
	}
	return time.Since(start), nil
}

var errNoSeries = errors.New("kafka_exporter-style poll found no lag series")
