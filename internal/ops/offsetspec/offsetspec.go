// Package offsetspec parses the positions people give on the command line — "start", "end",
// an offset, an RFC 3339 time or a duration back from now ("-1h") — and resolves them to an
// offset per partition with the Kafka admin API. `novatrek consume --from/--to` uses it, and
// so can `groups reset --to-datetime`.
package offsetspec

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

// Kind says what a Spec names.
type Kind int

const (
	// Start is the log start offset of each partition (also "earliest", "beginning").
	Start Kind = iota
	// End is the end offset of each partition when resolved (also "latest", "now").
	End
	// Offset is one offset, the same for every partition.
	Offset
	// Time is the first record at or after a moment, per partition.
	Time
)

// Spec is a parsed position.
type Spec struct {
	Kind   Kind
	Offset int64     // Kind Offset
	Time   time.Time // Kind Time
	text   string
}

func (s Spec) String() string { return s.text }

// Parse reads a position: "start"/"earliest"/"beginning", "end"/"latest"/"now", a
// non-negative offset ("1500"), an RFC 3339 time ("2026-11-24T21:00:00Z", fractions and
// zones allowed), a date ("2026-11-24", midnight UTC), or a negative duration back from now
// ("-1h", "-90m", "-1h30m", "-2d" for days). now anchors the relative forms.
func Parse(s string, now time.Time) (Spec, error) {
	text := strings.TrimSpace(s)
	sp := Spec{text: text}
	switch strings.ToLower(text) {
	case "":
		return Spec{}, errors.New("empty position; want start, end, an offset, an RFC 3339 time or a duration like -1h")
	case "start", "earliest", "beginning", "oldest":
		sp.Kind = Start
		return sp, nil
	case "end", "latest", "newest", "now":
		sp.Kind = End
		return sp, nil
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		if n < 0 {
			return Spec{}, fmt.Errorf("position %q: an offset cannot be negative (for a time back from now use a unit, e.g. -1h)", s)
		}
		sp.Kind, sp.Offset = Offset, n
		return sp, nil
	}
	if strings.HasPrefix(text, "-") {
		d, err := parseDuration(text[1:])
		if err != nil {
			return Spec{}, fmt.Errorf("position %q: %w", s, err)
		}
		sp.Kind, sp.Time = Time, now.Add(-d)
		return sp, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, text); err == nil {
			sp.Kind, sp.Time = Time, t
			return sp, nil
		}
	}
	return Spec{}, fmt.Errorf("position %q: want start, end, an offset, an RFC 3339 time (2026-11-24T21:00:00Z) or a duration back from now (-1h)", s)
}

// parseDuration is time.ParseDuration plus a "d" (24h) unit, which people reach for.
func parseDuration(s string) (time.Duration, error) {
	var total time.Duration
	rest := s
	if i := strings.Index(rest, "d"); i > 0 {
		days, err := strconv.Atoi(rest[:i])
		if err != nil || days < 0 {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		total = time.Duration(days) * 24 * time.Hour
		rest = rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("%q is not a duration (want e.g. 1h, 30m, 2d)", s)
		}
		total += d
	}
	if total <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration", s)
	}
	return total, nil
}

// Isolation selects which end offset End resolves to.
type Isolation int

const (
	// ReadCommitted: End is the last stable offset (records of open transactions excluded).
	ReadCommitted Isolation = iota
	// ReadUncommitted: End is the high watermark.
	ReadUncommitted
)

// Resolve returns the offset s names in each partition of topic. An Offset is returned as
// given for every partition (callers compare it with the partition's bounds); a Time gives the
// first offset whose timestamp is at or after it, or the end offset when there is none.
func Resolve(ctx context.Context, adm *kadm.Client, topic string, s Spec, iso Isolation) (map[int32]int64, error) {
	var (
		listed kadm.ListedOffsets
		err    error
	)
	switch s.Kind {
	case Start, Offset:
		listed, err = adm.ListStartOffsets(ctx, topic)
	case End:
		if iso == ReadCommitted {
			listed, err = adm.ListCommittedOffsets(ctx, topic)
		} else {
			listed, err = adm.ListEndOffsets(ctx, topic)
		}
	case Time:
		listed, err = adm.ListOffsetsAfterMilli(ctx, s.Time.UnixMilli(), topic)
	}
	if err == nil {
		err = listed.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("listing offsets of %s for %q: %w", topic, s.text, err)
	}
	out := map[int32]int64{}
	listed.Each(func(o kadm.ListedOffset) {
		if s.Kind == Offset {
			out[o.Partition] = s.Offset
			return
		}
		out[o.Partition] = o.Offset
	})
	if len(out) == 0 {
		return nil, fmt.Errorf("listing offsets of %s: the topic has no partitions (does it exist?)", topic)
	}
	return out, nil
}
