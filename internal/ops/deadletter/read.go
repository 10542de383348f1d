package deadletter

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/topology"
)

// ErrNoTopic: the group has no dead-letter topic on the cluster.
var ErrNoTopic = errors.New("no dead-letter topic")

// Reader reads the dead letters of consumer groups.
type Reader struct {
	// ClientOpts connect to the cluster (at least kgo.SeedBrokers).
	ClientOpts []kgo.Opt
	// Serde decodes values to find their event ids; nil leaves EventID empty.
	Serde *serde.Serde
}

// Read returns the dead letters of group that f chooses, in dead-letter partition and
// offset order. It reads up to the end offsets it finds when it starts.
func (r Reader) Read(ctx context.Context, group string, f Filter) ([]Letter, error) {
	topic := topology.DeadLetterTopic(group)
	adm, err := kgo.NewClient(r.ClientOpts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to Kafka: %w", err)
	}
	defer adm.Close()
	bounds, err := partitionBounds(ctx, kadm.NewClient(adm), topic, f.Offsets)
	if err != nil {
		return nil, err
	}
	recs, err := readUpTo(ctx, r.ClientOpts, topic, bounds)
	if err != nil {
		return nil, err
	}
	letters := make([]Letter, 0, len(recs))
	for _, rec := range recs {
		letters = append(letters, FromRecord(rec))
	}
	if r.Serde != nil {
		decodeEventIDs(ctx, r.Serde, letters)
	}
	return slices.DeleteFunc(letters, func(l Letter) bool { return !f.Match(&l) }), nil
}

// bounds is the half-open offset range [from, to) to read on one partition.
type bounds struct{ from, to int64 }

// partitionBounds finds, per partition of topic, the offsets that hold records, narrowed to
// what ranges can match.
func partitionBounds(ctx context.Context, adm *kadm.Client, topic string, ranges Ranges) (map[int32]bounds, error) {
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		if errors.Is(err, kerr.UnknownTopicOrPartition) {
			return nil, fmt.Errorf("%w %s on the cluster: %w", ErrNoTopic, topic, err)
		}
		return nil, fmt.Errorf("listing end offsets of %s: %w", topic, err)
	}
	if len(ends[topic]) == 0 {
		return nil, fmt.Errorf("%w %s on the cluster", ErrNoTopic, topic)
	}
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("listing start offsets of %s: %w", topic, err)
	}
	out := map[int32]bounds{}
	for p, end := range ends[topic] {
		b := bounds{to: end.Offset}
		if s, ok := starts.Lookup(topic, p); ok {
			b.from = s.Offset
		}
		if len(ranges) > 0 {
			b = narrow(b, p, ranges)
		}
		if b.from < b.to {
			out[p] = b
		}
	}
	return out, nil
}

// narrow shrinks b to the span of the ranges that apply to partition p.
func narrow(b bounds, p int32, ranges Ranges) bounds {
	lo, hi, found := int64(-1), int64(-1), false
	for _, r := range ranges {
		if r.Partition >= 0 && r.Partition != p {
			continue
		}
		if !found || r.From < lo {
			lo = r.From
		}
		if !found || r.To > hi {
			hi = r.To
		}
		found = true
	}
	if !found {
		return bounds{}
	}
	if lo > b.from {
		b.from = lo
	}
	if hi < b.to-1 {
		b.to = hi + 1
	}
	return b
}

// readUpTo reads every record of topic in the given bounds, in partition then offset order.
func readUpTo(ctx context.Context, opts []kgo.Opt, topic string, want map[int32]bounds) ([]*kgo.Record, error) {
	if len(want) == 0 {
		return nil, nil
	}
	starts := map[int32]kgo.Offset{}
	for p, b := range want {
		starts[p] = kgo.NewOffset().At(b.from)
	}
	cl, err := kgo.NewClient(append(slices.Clone(opts),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: starts}),
		// Control records count toward the end offset; keep them so a partition whose last
		// offset is a transaction marker is seen to end.
		kgo.KeepControlRecords(),
	)...)
	if err != nil {
		return nil, fmt.Errorf("connecting to Kafka: %w", err)
	}
	defer cl.Close()
	byPartition := map[int32][]*kgo.Record{}
	pending := len(want)
	done := map[int32]bool{}
	for pending > 0 {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("reading %s: %w", topic, err)
		}
		var ferr error
		fetches.EachError(func(t string, p int32, err error) {
			ferr = errors.Join(ferr, fmt.Errorf("reading %s partition %d: %w", t, p, err))
		})
		if ferr != nil {
			return nil, ferr
		}
		fetches.EachRecord(func(rec *kgo.Record) {
			b := want[rec.Partition]
			if done[rec.Partition] || rec.Offset >= b.to {
				return
			}
			if !rec.Attrs.IsControl() {
				byPartition[rec.Partition] = append(byPartition[rec.Partition], rec)
			}
			if rec.Offset >= b.to-1 {
				done[rec.Partition] = true
				pending--
			}
		})
	}
	parts := make([]int32, 0, len(byPartition))
	for p := range byPartition {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	var out []*kgo.Record
	for _, p := range parts {
		out = append(out, byPartition[p]...)
	}
	return out, nil
}
