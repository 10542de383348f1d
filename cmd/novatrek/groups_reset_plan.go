package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/novatrek/support/internal/platform/stream"
)

// resetSpec is where `groups reset` moves a group: exactly one of its target fields.
type resetSpec struct {
	earliest bool
	latest   bool
	at       *time.Time // --to-datetime
	shift    *int64     // --shift-by
	offset   *int64     // --to-offset
}

func (s resetSpec) String() string {
	switch {
	case s.earliest:
		return "the earliest offsets"
	case s.latest:
		return "the latest offsets"
	case s.at != nil:
		return "the first offsets at or after " + s.at.UTC().Format(time.RFC3339Nano)
	case s.shift != nil:
		return fmt.Sprintf("the current offsets shifted by %+d", *s.shift)
	default:
		return fmt.Sprintf("offset %d", *s.offset)
	}
}

// resetRow is one partition of a reset plan. Offsets are -1 where unknown.
type resetRow struct {
	topic     string
	partition int32
	start     int64 // log start offset
	end       int64 // high watermark
	committed int64 // Kafka's committed offset
	stored    int64 // the service's stored offset (our services only)
	next      int64 // where the group resumes after the reset; -1: left alone
	note      string
}

// current is the offset the group resumes from today: the stored one for our services
// (it wins on assignment), else Kafka's committed one.
func (r resetRow) current(ours bool) int64 {
	if ours && r.stored >= 0 {
		return r.stored
	}
	return r.committed
}

// planReset computes the new offset of every chosen partition. stored is nil for a group
// that is not one of our services.
func planReset(ctx context.Context, adm *kadm.Client, group string, topics []string, partitions []int32,
	spec resetSpec, committed kadm.OffsetResponses, stored map[string]map[int32]int64) ([]resetRow, error) {
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list start offsets of %v: %w", topics, err)
	}
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list end offsets of %v: %w", topics, err)
	}
	var atTime kadm.ListedOffsets
	if spec.at != nil {
		if atTime, err = adm.ListOffsetsAfterMilli(ctx, spec.at.UnixMilli(), topics...); err != nil {
			return nil, fmt.Errorf("list offsets after %s: %w", spec.at.Format(time.RFC3339), err)
		}
	}
	ours := stored != nil
	var rows []resetRow
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
			row := resetRow{topic: topic, partition: p, start: -1, end: -1, committed: -1, stored: -1, next: -1}
			if l := parts[p]; l.Err == nil {
				row.end = l.Offset
			} else {
				errs = append(errs, fmt.Errorf("end offset of %s/%d: %w", topic, p, l.Err))
				continue
			}
			if l, ok := starts.Lookup(topic, p); ok && l.Err == nil {
				row.start = l.Offset
			} else {
				errs = append(errs, fmt.Errorf("start offset of %s/%d: %v", topic, p, l.Err))
				continue
			}
			if o, ok := committed.Lookup(topic, p); ok && o.Err == nil && o.At >= 0 {
				row.committed = o.At
			}
			if next, ok := stored[topic][p]; ok {
				row.stored = next
			}
			target := int64(-1)
			switch {
			case spec.earliest:
				target = row.start
			case spec.latest:
				target = row.end
			case spec.offset != nil:
				target = *spec.offset
			case spec.at != nil:
				if l, ok := atTime.Lookup(topic, p); ok && l.Err == nil {
					target = l.Offset
				} else {
					errs = append(errs, fmt.Errorf("offset of %s/%d at %s: %v", topic, p, spec.at.Format(time.RFC3339), l.Err))
					continue
				}
			case spec.shift != nil:
				cur := row.current(ours)
				if cur < 0 {
					row.note = "no current offset to shift from; left alone"
					rows = append(rows, row)
					continue
				}
				target = cur + *spec.shift
			}
			// Like kafka-consumer-groups: an offset outside the log is clamped into it.
			switch {
			case target < row.start:
				row.next, row.note = row.start, fmt.Sprintf("%d is before the log start; clamped", target)
			case target > row.end:
				row.next, row.note = row.end, fmt.Sprintf("%d is past the end; clamped", target)
			default:
				row.next = target
			}
			rows = append(rows, row)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("plan the reset of %s: %w", group, err)
	}
	return rows, nil
}

// positions are the rows' new offsets, for stream.Rewind and the Kafka commit, each bound
// to its topic's current log (logs, from stream.Logs), so a service refusing offsets of a
// replaced broker or topic resumes from these.
func positions(rows []resetRow, logs map[string]stream.LogID) []stream.Position {
	var out []stream.Position
	for _, r := range rows {
		if r.next >= 0 {
			out = append(out, stream.Position{Topic: r.topic, Partition: r.partition, Offset: r.next, Log: logs[r.topic]})
		}
	}
	return out
}
