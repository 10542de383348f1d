package lag

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// tpo names a record position: topic, partition, offset.
type tpo struct {
	topic     string
	partition int32
	offset    int64
}

// timestamps reads, and caches, the timestamp of the first record at or after an offset.
// A record's timestamp never changes, so an entry stays valid as long as the group sits at
// that offset; retain drops the entries no longer asked for.
type timestamps struct {
	base    []kgo.Opt
	timeout time.Duration

	mu    sync.Mutex
	cache map[tpo]time.Time
}

func newTimestamps(base []kgo.Opt, timeout time.Duration) *timestamps {
	return &timestamps{base: base, timeout: timeout, cache: make(map[tpo]time.Time)}
}

// lookup returns the timestamp of the first committed record at or after each wanted
// position. Positions missing from the result could not be read in time; the error says why.
func (t *timestamps) lookup(ctx context.Context, want map[tpo]bool) (map[tpo]time.Time, error) {
	got := make(map[tpo]time.Time, len(want))
	pending := make(map[tpo]bool)
	t.mu.Lock()
	for k := range want {
		if ts, ok := t.cache[k]; ok {
			got[k] = ts
		} else {
			pending[k] = true
		}
	}
	t.mu.Unlock()
	if len(pending) == 0 {
		return got, nil
	}
	read, err := t.read(ctx, pending)
	t.mu.Lock()
	for k, ts := range read {
		t.cache[k] = ts
		got[k] = ts
	}
	t.mu.Unlock()
	return got, err
}

// retain drops cached positions not in keep, so the cache holds one entry per lagging
// partition and group at most.
func (t *timestamps) retain(keep map[tpo]bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.cache {
		if !keep[k] {
			delete(t.cache, k)
		}
	}
}

// tp names a partition.
type tp struct {
	topic     string
	partition int32
}

// read consumes, read-committed, until every pending position has its first record or the
// timeout passes. Several groups may wait at different offsets of one partition: each round
// reads every partition from its smallest unread position with one short-lived client, and
// the records it returns answer every position they reach; positions further on are read
// by the next round (one round per distinct position, at most the groups sharing a topic).
func (t *timestamps) read(ctx context.Context, pending map[tpo]bool) (map[tpo]time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	out := make(map[tpo]time.Time, len(pending))
	var errs []error
	for len(out) < len(pending) && ctx.Err() == nil {
		if err := t.round(ctx, pending, out); err != nil {
			errs = append(errs, err)
			break
		}
	}
	if n := len(pending) - len(out); n > 0 {
		errs = append(errs, fmt.Errorf("lag: %d record timestamps not read within %s", n, t.timeout))
	}
	return out, errors.Join(errs...)
}

// round reads each partition with unanswered positions from the smallest of them, until
// that one is answered; it records in out every position the records answer.
func (t *timestamps) round(ctx context.Context, pending map[tpo]bool, out map[tpo]time.Time) error {
	waiting := make(map[tp][]int64) // unanswered offsets by partition
	for k := range pending {
		if _, ok := out[k]; !ok {
			waiting[tp{k.topic, k.partition}] = append(waiting[tp{k.topic, k.partition}], k.offset)
		}
	}
	from := make(map[tp]int64, len(waiting))
	partitions := make(map[string]map[int32]kgo.Offset)
	for p, offs := range waiting {
		slices.Sort(offs)
		from[p] = offs[0]
		if partitions[p.topic] == nil {
			partitions[p.topic] = make(map[int32]kgo.Offset)
		}
		partitions[p.topic][p.partition] = kgo.NewOffset().At(offs[0])
	}
	opts := append(slices.Clone(t.base),
		kgo.ConsumePartitions(partitions),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(250*time.Millisecond),
		kgo.FetchMaxPartitionBytes(64<<10),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("lag: timestamp reader: %w", err)
	}
	defer cl.Close()
	var errs []error
	for len(from) > 0 {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			break
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			errs = append(errs, fmt.Errorf("lag: read %s[%d]: %w", topic, partition, err))
		})
		var done map[string][]int32
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			p := tp{fp.Topic, fp.Partition}
			if _, ok := from[p]; !ok {
				return
			}
			offs := waiting[p]
			for _, r := range fp.Records {
				for len(offs) > 0 && offs[0] <= r.Offset {
					out[tpo{p.topic, p.partition, offs[0]}] = r.Timestamp
					offs = offs[1:]
				}
			}
			waiting[p] = offs
			if _, answered := out[tpo{p.topic, p.partition, from[p]}]; answered {
				delete(from, p)
				if done == nil {
					done = make(map[string][]int32)
				}
				done[p.topic] = append(done[p.topic], p.partition)
			}
		})
		if done != nil {
			cl.PauseFetchPartitions(done)
		}
		if len(errs) > 0 {
			break
		}
	}
	return errors.Join(errs...)
}
