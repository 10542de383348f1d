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
// end offset when readTopics was called.
func readTopics(ctx context.Context, opts []kgo.Opt, topics []string, fn func(*kgo.Record)) error {
	admCl, err := kgo.NewClient(opts...)
	if err != nil {
		return err
	}
	defer admCl.Close()
	ends, err := kadm.NewClient(admCl).ListEndOffsets(ctx, topics...)
	if err != nil {
		return fmt.Errorf("soak: end offsets: %w", err)
	}
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
		if want[o.Topic] == nil {
			want[o.Topic], left[o.Topic] = map[int32]kgo.Offset{}, map[int32]int64{}
		}
		want[o.Topic][o.Partition] = kgo.NewOffset().AtStart()
		left[o.Topic][o.Partition] = o.Offset
	})
	if err != nil || len(want) == 0 {
		return err
	}
	cl, err := kgo.NewClient(append(opts, kgo.ConsumePartitions(want))...)
	if err != nil {
		return err
	}
	defer cl.Close()
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, fe := range fs.Errors() {
			return fmt.Errorf("soak: read %s[%d]: %w", fe.Topic, fe.Partition, fe.Err)
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
	return nil
}
