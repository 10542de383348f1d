package stream

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// LogID names the log a stored offset belongs to: the Kafka cluster id and the topic's id
// (the UUID Kafka gives a topic when it is created). An offset means something only in its
// own log: a new broker, a wiped dev data dir or a recreated topic starts a new log at
// offset 0, and an offset stored for the old one would seek into the middle of it.
type LogID struct {
	Cluster string
	Topic   [16]byte
}

// IsZero reports an unknown log (a row stored before offsets were bound).
func (l LogID) IsZero() bool { return l == LogID{} }

func (l LogID) String() string {
	if l.IsZero() {
		return "unbound"
	}
	return "cluster " + l.Cluster + " topic id " + hex.EncodeToString(l.Topic[:])
}

// partitionLog is a partition's log as the cluster describes it on assignment.
type partitionLog struct {
	id         LogID
	start, end int64 // log start offset and high watermark
}

// verdict is what assignment does with a partition's stored offset.
type verdict struct {
	// refused, when set, is why the partition is not consumed: one line for the log, the
	// store (`groups describe`) and the operator.
	refused string
	// belowStart says the stored offset lies below the log start (retention or
	// DeleteRecords removed records): consuming starts at the log start.
	belowStart bool
	// next is the offset consuming starts at, when not refused.
	next int64
}

// judge compares a stored offset with the partition's log. A stored offset is applied only
// when it is for this log (bound to it, or unbound and inside it: rows from before the
// binding are adopted) and not beyond the high watermark; one below the log start starts at
// the log start. Anything else is refused rather than guessed at: seeking an offset of
// another log skips records silently, and restarting from the log start applies events that
// may have been applied before (the inbox would catch only those with the same ids).
func judge(stored storedOffset, actual partitionLog) verdict {
	switch {
	case !stored.log.IsZero() && stored.log != actual.id:
		return verdict{refused: fmt.Sprintf(
			"stored offset %d is for another log (%s); the partition is now %s (log start %d, high watermark %d): the broker or topic was replaced",
			stored.next, stored.log, actual.id, actual.start, actual.end)}
	case stored.next > actual.end:
		return verdict{refused: fmt.Sprintf(
			"stored offset %d is beyond the high watermark %d (log start %d, %s): the log was replaced or truncated",
			stored.next, actual.end, actual.start, actual.id)}
	case stored.next < actual.start:
		return verdict{belowStart: true, next: actual.start}
	}
	return verdict{next: stored.next}
}

// describeLogs reads the cluster id, topic ids, log start offsets and high watermarks of
// topics. A topic the cluster does not describe is an error: judging its partitions
// without their log would apply their stored offsets blindly.
func describeLogs(ctx context.Context, cl *kgo.Client, topics []string) (map[topicPartition]partitionLog, error) {
	adm := kadm.NewClient(cl)
	md, err := adm.Metadata(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("describe topics %v: %w", topics, err)
	}
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list log start offsets of %v: %w", topics, err)
	}
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list high watermarks of %v: %w", topics, err)
	}
	out := map[topicPartition]partitionLog{}
	var errs []error
	for _, topic := range topics {
		td, ok := md.Topics[topic]
		if !ok || td.Err != nil {
			errs = append(errs, fmt.Errorf("topic %s: not described (%v)", topic, td.Err))
			continue
		}
		for p := range td.Partitions {
			s, sok := starts.Lookup(topic, p)
			e, eok := ends.Lookup(topic, p)
			if !sok || !eok || s.Err != nil || e.Err != nil {
				errs = append(errs, fmt.Errorf("%s/%d: no log start or high watermark (%v, %v)", topic, p, s.Err, e.Err))
				continue
			}
			out[topicPartition{topic, p}] = partitionLog{
				id:    LogID{Cluster: md.Cluster, Topic: td.ID},
				start: s.Offset, end: e.Offset,
			}
		}
	}
	return out, errors.Join(errs...)
}

// Logs returns the current LogID of every partition of topics: what `novatrek groups reset`
// binds the offsets it writes to (Position.Log).
func Logs(ctx context.Context, cl *kgo.Client, topics ...string) (map[string]LogID, error) {
	md, err := kadm.NewClient(cl).Metadata(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("stream: describe topics %v: %w", topics, err)
	}
	out := map[string]LogID{}
	for _, t := range topics {
		td, ok := md.Topics[t]
		if !ok || td.Err != nil {
			return nil, fmt.Errorf("stream: topic %s not described (%v)", t, td.Err)
		}
		out[t] = LogID{Cluster: md.Cluster, Topic: td.ID}
	}
	return out, nil
}
