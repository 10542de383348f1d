// Package offsetreset plans where a consumer group's offsets move in a reset: to the log's
// earliest or latest offsets, to a time, by a shift or to one offset, clamped into the log
// like kafka-consumer-groups does. `novatrek groups reset` and the web console both show this
// plan as their dry run before anything is written.
package offsetreset

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/novatrek/support/internal/platform/stream"
)

// Spec is where a reset moves a group: exactly one of its target fields.
type Spec struct {
	Earliest bool
	Latest   bool
	At       *time.Time // --to-datetime
	Shift    *int64     // --shift-by
	Offset   *int64     // --to-offset
}

func (s Spec) String() string {
	switch {
	case s.Earliest:
		return "the earliest offsets"
	case s.Latest:
		return "the latest offsets"
	case s.At != nil:
		return "the first offsets at or after " + s.At.UTC().Format(time.RFC3339Nano)
	case s.Shift != nil:
		return fmt.Sprintf("the current offsets shifted by %+d", *s.Shift)
	default:
		return fmt.Sprintf("offset %d", *s.Offset)
	}
}

// Row is one partition of a reset plan. Offsets are -1 where unknown.
type Row struct {
	Topic     string
	Partition int32
	Start     int64 // log start offset
	End       int64 // high watermark
	Committed int64 // Kafka's committed offset
	Stored    int64 // the service's stored offset (our services only)
	Next      int64 // where the group resumes after the reset; -1: left alone
	Note      string
}

// Current is the offset the group resumes from today: the stored one for our services
// (it wins on assignment), else Kafka's committed one.
func (r Row) Current(ours bool) int64 {
	if ours && r.Stored >= 0 {
		return r.Stored
	}
	return r.Committed
}

// Plan computes the new offset of every chosen partition. stored is nil for a group
// that is not one of our services.
func Plan(ctx context.Context, adm *kadm.Client, group string, topics []string, partitions []int32,
	spec Spec, committed kadm.OffsetResponses, stored map[string]map[int32]int64) ([]Row, error) {
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list start offsets of %v: %w", topics, err)
	}
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list end offsets of %v: %w", topics, err)
	}
	var atTime kadm.ListedOffsets
	if spec.At != nil {
		if atTime, err = adm.ListOffsetsAfterMilli(ctx, spec.At.UnixMilli(), topics...); err != nil {
			return nil, fmt.Errorf("list offsets after %s: %w", spec.At.Format(time.RFC3339), err)
		}
	}
	ours := stored != nil
	var rows []Row
	var errs []error
	for _, topic := range topics {
		parts := ends[topic]
		if l, ok := parts[-1]; ok && l.Err != nil {
			errs = append(errs, fmt.Errorf("topic %s: %w", topic, l.Err))
			continue
		}
		ids := make([]int32, 0, len(parts))
		for p := range parts {
			if len(partitions) == 0 || slices.Contains(partitions, p) {
				ids = append(ids, p)
			}
		}
		slices.Sort(ids)
		for _, p := range ids {
			row := Row{Topic: topic, Partition: p, Start: -1, End: -1, Committed: -1, Stored: -1, Next: -1}
			if l := parts[p]; l.Err == nil {
				row.End = l.Offset
			} else {
				errs = append(errs, fmt.Errorf("end offset of %s/%d: %w", topic, p, l.Err))
				continue
			}
			if l, ok := starts.Lookup(topic, p); ok && l.Err == nil {
				row.Start = l.Offset
			} else {
				errs = append(errs, fmt.Errorf("start offset of %s/%d: %v", topic, p, l.Err))
				continue
			}
			if o, ok := committed.Lookup(topic, p); ok && o.Err == nil && o.At >= 0 {
				row.Committed = o.At
			}
			if next, ok := stored[topic][p]; ok {
				row.Stored = next
			}
			target := int64(-1)
			switch {
			case spec.Earliest:
				target = row.Start
			case spec.Latest:
				target = row.End
			case spec.Offset != nil:
				target = *spec.Offset
			case spec.At != nil:
				if l, ok := atTime.Lookup(topic, p); ok && l.Err == nil {
					target = l.Offset
				} else {
					errs = append(errs, fmt.Errorf("offset of %s/%d at %s: %v", topic, p, spec.At.Format(time.RFC3339), l.Err))
					continue
				}
			case spec.Shift != nil:
				cur := row.Current(ours)
				if cur < 0 {
					row.Note = "no current offset to shift from; left alone"
					rows = append(rows, row)
					continue
				}
				target = cur + *spec.Shift
			}
			// Like kafka-consumer-groups: an offset outside the log is clamped into it.
			switch {
			case target < row.Start:
				row.Next, row.Note = row.Start, fmt.Sprintf("%d is before the log start; clamped", target)
			case target > row.End:
				row.Next, row.Note = row.End, fmt.Sprintf("%d is past the end; clamped", target)
			default:
				row.Next = target
			}
			rows = append(rows, row)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("plan the reset of %s: %w", group, err)
	}
	return rows, nil
}

// Positions are the rows' new offsets, for stream.Rewind and the Kafka commit, each bound
// to its topic's current log (logs, from stream.Logs), so a service refusing offsets of a
// replaced broker or topic resumes from these.
func Positions(rows []Row, logs map[string]stream.LogID) []stream.Position {
	var out []stream.Position
	for _, r := range rows {
		if r.Next >= 0 {
			out = append(out, stream.Position{Topic: r.Topic, Partition: r.Partition, Offset: r.Next, Log: logs[r.Topic]})
		}
	}
	return out
}
