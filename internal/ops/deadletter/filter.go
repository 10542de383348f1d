package deadletter

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/novatrek/support/internal/ops/offsetspec"
	"github.com/novatrek/support/internal/platform/stream"
)

// Filter chooses dead letters. The zero Filter chooses every one; each set field narrows the
// choice (all must match).
type Filter struct {
	// Reason matches the failure's message (dlq.error).
	Reason *regexp.Regexp
	// Kind is an error kind (dlq.error.kind), e.g. "permanent".
	Kind string
	// Topic is a source topic.
	Topic string
	// Since keeps letters dead-lettered at or after it.
	Since time.Time
	// EventIDs keeps letters whose value's metadata.event_id is one of them.
	EventIDs []string
	// Offsets keeps letters whose dead-letter position is in one of the ranges.
	Offsets Ranges
}

// Match says whether l passes every set condition.
func (f Filter) Match(l *Letter) bool {
	switch {
	case f.Reason != nil && !f.Reason.MatchString(l.Reason):
		return false
	case f.Kind != "" && l.Kind != f.Kind:
		return false
	case f.Topic != "" && l.Source.Topic != f.Topic:
		return false
	case !f.Since.IsZero() && l.Time.Before(f.Since):
		return false
	case len(f.EventIDs) > 0 && !slices.Contains(f.EventIDs, l.EventID):
		return false
	case len(f.Offsets) > 0 && !f.Offsets.Contains(l.At.Partition, l.At.Offset):
		return false
	}
	return true
}

// Empty says whether f chooses every letter.
func (f Filter) Empty() bool {
	return f.Reason == nil && f.Kind == "" && f.Topic == "" && f.Since.IsZero() && len(f.EventIDs) == 0 && len(f.Offsets) == 0
}

// Kinds are the error kinds a dead letter can carry, in the runtime's order: the kinds it
// dead-letters (transient failures are retried; unclassified ones become permanent).
var Kinds = []string{
	string(stream.KindMalformed), string(stream.KindUnknownSchema), string(stream.KindIncompatible),
	string(stream.KindInvalid), string(stream.KindPermanent), string(stream.KindPanic),
}

// ParseKind checks a --kind value against Kinds, in any case, and returns it as the runtime
// writes it; "" (no kind chosen) passes. A value outside Kinds is an error: it would match
// nothing, and an empty list would read as "no such dead letters".
func ParseKind(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	for _, k := range Kinds {
		if strings.EqualFold(s, k) {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown dead-letter kind %q: want one of %s", s, strings.Join(Kinds, ", "))
}

// ParseReason compiles a --reason value: a regular expression, matched without regard to
// case; text that is not a valid expression is matched as a plain substring.
func ParseReason(s string) *regexp.Regexp {
	if s == "" {
		return nil
	}
	if re, err := regexp.Compile("(?i)" + s); err == nil {
		return re
	}
	return regexp.MustCompile("(?i)" + regexp.QuoteMeta(s))
}

// ParseSince reads a --since value with the position syntax of consume and groups reset
// (internal/ops/offsetspec): an RFC 3339 time or a date, or a duration back from now, with or
// without the minus ("2h" and "-2h" both mean two hours ago; "2d" two days).
func ParseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	spec, err := offsetspec.Parse(s, now)
	if err != nil && !strings.HasPrefix(s, "-") {
		spec, err = offsetspec.Parse("-"+s, now)
	}
	if err != nil || spec.Kind != offsetspec.Time {
		return time.Time{}, fmt.Errorf("--since %q is neither an RFC 3339 time (2026-11-24T09:00:00Z) nor a duration (2h, -30m)", s)
	}
	return spec.Time, nil
}

// Range is an inclusive range of dead-letter offsets, on one partition or (Partition -1)
// on every partition.
type Range struct {
	Partition int32
	From, To  int64
}

// Ranges is a set of ranges; a position is in it when it is in any of them.
type Ranges []Range

// Contains says whether offset on partition is in one of the ranges.
func (rs Ranges) Contains(partition int32, offset int64) bool {
	for _, r := range rs {
		if (r.Partition < 0 || r.Partition == partition) && offset >= r.From && offset <= r.To {
			return true
		}
	}
	return false
}

// ParseRanges reads an --offsets value: comma-separated ranges, each "N", "A-B", "A-" or
// "-B" (inclusive), optionally prefixed by "P:" to name a partition of the dead-letter topic
// (without it the range applies to every partition). Examples: "10-20", "1:42", "0:5-,2:7".
func ParseRanges(s string) (Ranges, error) {
	var out Ranges
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		r, err := parseRange(part)
		if err != nil {
			return nil, fmt.Errorf("--offsets %q: %w", s, err)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--offsets %q names no offsets; want e.g. 10-20, 1:42 or 0:5-", s)
	}
	return out, nil
}

func parseRange(s string) (Range, error) {
	r := Range{Partition: -1, From: 0, To: math.MaxInt64}
	if p, rest, ok := strings.Cut(s, ":"); ok {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil || n < 0 {
			return r, fmt.Errorf("partition %q is not a number >= 0", p)
		}
		r.Partition, s = int32(n), rest
	}
	num := func(v string) (int64, error) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("offset %q is not a number >= 0", v)
		}
		return n, nil
	}
	from, to, isRange := strings.Cut(s, "-")
	var err error
	switch {
	case !isRange:
		if r.From, err = num(from); err != nil {
			return r, err
		}
		r.To = r.From
	case from == "" && to == "":
		return r, errors.New(`"-" is not a range; want A-B, A- or -B`)
	default:
		if from != "" {
			if r.From, err = num(from); err != nil {
				return r, err
			}
		}
		if to != "" {
			if r.To, err = num(to); err != nil {
				return r, err
			}
		}
		if r.From > r.To {
			return r, fmt.Errorf("range %s runs backwards", s)
		}
	}
	return r, nil
}

// ParsePosition parses a dead letter's position as `dlq show` takes it: "P:O", or "O" alone.
// partition is -1 when the input names none.
func ParsePosition(s string) (partition int32, offset int64, err error) {
	r, err := parseRange(s)
	if err != nil || r.From != r.To {
		if err == nil {
			err = errors.New("that is a range, not one offset")
		}
		return 0, 0, fmt.Errorf("dead letter %q: want OFFSET or PARTITION:OFFSET (e.g. 42 or 1:42): %w", s, err)
	}
	return r.Partition, r.From, nil
}
