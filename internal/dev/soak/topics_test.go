package soak

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestReadTopicsCountsWhatCompactionRemoved: on a compacted topic (rating-aggregate.updated
// keeps the newest rating per target) the records read back after the broker compacted it
// are a few per key, not what was published: readTopics counts the published ones from the
// offsets. A soak of more than an hour met kfake's hourly compaction and reported 10
// aggregate updates "published" for 9,674 reviews: the 8 targets' newest records and the
// last batch of each of the 2 partitions they hash to.
func TestReadTopicsCountsWhatCompactionRemoved(t *testing.T) {
	t.Parallel()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	opts := []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := kadm.NewClient(cl)
	for topic, policy := range map[string]string{"aggregates": "compact", "reviews": "delete"} {
		if _, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"cleanup.policy": kadm.StringPtr(policy)}, topic); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 { // one batch each: compaction keeps the last batch whatever its key
		for _, rec := range []*kgo.Record{
			{Topic: "aggregates", Key: fmt.Appendf(nil, "TRIP:%d", i%2), Value: fmt.Appendf(nil, "rating %d", i)},
			{Topic: "reviews", Key: fmt.Appendf(nil, "review %d", i), Value: []byte("5 stars")},
		} {
			if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	c.Compact()

	read := map[string]int{}
	published, err := readTopics(ctx, opts, []string{"aggregates", "reviews"}, func(r *kgo.Record) { read[r.Topic]++ })
	if err != nil {
		t.Fatal(err)
	}
	if published["aggregates"] != 30 || published["reviews"] != 30 {
		t.Errorf("published %v; want 30 on each topic", published)
	}
	if read["aggregates"] != 3 || read["reviews"] != 30 {
		t.Errorf("read back %v; want the 2 keys' newest and the last batch of aggregates (3), all 30 reviews", read)
	}
}
