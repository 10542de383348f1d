package soak

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// readTopics calls fn with every record of topics, from the start of each partition to its
// end offset when readTopics was called. It returns, by topic, the sum of those end offsets:
// on the soak's new cluster, the records ever produced there (our producers write no
// transaction markers, so every offset was a record), those log compaction has removed
// since included. On a compacted topic fn sees fewer: the newest record of each key and
// each partition's last batch, once the broker has compacted it (kfake does so every hour,
// and moves the log start to the first record kept, so the start offset does not count
// them either).
func readTopics(ctx context.Context, opts []kgo.Opt, topics []string, fn func(*kgo.Record)) (map[string]int64, error) {
	admCl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	defer admCl.Close()
	ends, err := kadm.NewClient(admCl).ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("soak: end offsets: %w", err)
	}
	produced := map[string]int64{}
	want := map[string]map[int32]kgo.Offset{}
	left := map[string]map[int32]int64{} // partitions still to read, to their end offset
	ends.Each(func(o kadm.ListedOffset) {
		if errors.Is(o.Err, kerr.UnknownTopicOrPartition) {
			return // a topic no one created holds no record
		}
		if o.Err != nil {
			err = fmt.Errorf("soak: end offset of %s[%d]: %w", o.Topic, o.Partition, o.Err)
			return
		}
		if o.Offset == 0 {
			return
		}
		produced[o.Topic] += o.Offset
		if want[o.Topic] == nil {
			want[o.Topic], left[o.Topic] = map[int32]kgo.Offset{}, map[int32]int64{}
		}
		want[o.Topic][o.Partition] = kgo.NewOffset().AtStart()
		left[o.Topic][o.Partition] = o.Offset
	})
	if err != nil || len(want) == 0 {
		return produced, err
	}
	cl, err := kgo.NewClient(append(opts, kgo.ConsumePartitions(want))...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for _, fe := range fs.Errors() {
			return nil, fmt.Errorf("soak: read %s[%d]: %w", fe.Topic, fe.Partition, fe.Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			end, ok := left[r.Topic][r.Partition]
			if !ok || r.Offset >= end {
				return
			}
			fn(r)
			if r.Offset+1 >= end {
				delete(left[r.Topic], r.Partition)
				if len(left[r.Topic]) == 0 {
					delete(left, r.Topic)
				}
			}
		})
	}
	return produced, nil
}
