package lag

import (
	"context"
	"errors"
	"fmt"
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
	toRead := make(map[string]map[int32]kgo.Offset)
	pending := make(map[tpo]bool)
	t.mu.Lock()
	for k := range want {
		if ts, ok := t.cache[k]; ok {
			got[k] = ts
			continue
		}
		if toRead[k.topic] == nil {
			toRead[k.topic] = make(map[int32]kgo.Offset)
		}
		toRead[k.topic][k.partition] = kgo.NewOffset().At(k.offset)
		pending[k] = true
	}
	t.mu.Unlock()
	if len(pending) == 0 {
		return got, nil
	}
	read, err := t.read(ctx, toRead, pending)
	t.mu.Lock()
	for k, ts := range read {
		t.cache[k] = ts
		got[k] = ts
	}
	t.mu.Unlock()
	return got, err
}

// retain drops cached positions not in keep, so the cache holds one entry per lagging
// partition at most.
func (t *timestamps) retain(keep map[tpo]bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.cache {
		if !keep[k] {
			delete(t.cache, k)
		}
	}
}

// read consumes, read-committed, from each position until it has one record per position
// or the timeout passes. One short-lived client serves every position of an observation.
func (t *timestamps) read(ctx context.Context, partitions map[string]map[int32]kgo.Offset, pending map[tpo]bool) (map[tpo]time.Time, error) {
	opts := append(append([]kgo.Opt(nil), t.base...),
		kgo.ConsumePartitions(partitions),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(250*time.Millisecond),
		kgo.FetchMaxPartitionBytes(64<<10),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("lag: timestamp reader: %w", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()

	// offsets of the pending positions by partition, to match records to what was asked.
	type tp struct {
		topic     string
		partition int32
	}
	asked := make(map[tp]int64, len(pending))
	for k := range pending {
		asked[tp{k.topic, k.partition}] = k.offset
	}
	out := make(map[tpo]time.Time, len(pending))
	var errs []error
	for len(asked) > 0 {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			break
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return
			}
			errs = append(errs, fmt.Errorf("%s[%d]: %w", topic, partition, err))
		})
		var done map[string][]int32
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			k := tp{p.Topic, p.Partition}
			off, ok := asked[k]
			if !ok {
				return
			}
			for _, r := range p.Records {
				if r.Offset >= off {
					out[tpo{p.Topic, p.Partition, off}] = r.Timestamp
					delete(asked, k)
					if done == nil {
						done = make(map[string][]int32)
					}
					done[p.Topic] = append(done[p.Topic], p.Partition)
					return
				}
			}
		})
		if done != nil {
			cl.PauseFetchPartitions(done)
		}
	}
	if len(asked) > 0 {
		errs = append(errs, fmt.Errorf("%d partitions not read within %s", len(asked), t.timeout))
	}
	return out, errors.Join(errs...)
}
