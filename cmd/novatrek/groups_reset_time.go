package main

import (
	"fmt"
	"strings"
	"time"
)

// parseResetTime reads --to-datetime: an RFC 3339 time (2026-11-24T18:00:00Z, with a zone
// or Z) or a duration before now in Go syntax with a leading minus (-1h, -90m, -1h30m).
// A duration without the minus is refused rather than read as the past: "1h" could mean
// either, and a reset in the wrong direction skips events.
//
// (issue 5: `consume --from/--to` parses the same forms; merge into one package when both
// exist.)
func parseResetTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("--to-datetime is empty; want an RFC 3339 time (2026-11-24T18:00:00Z) or a negative duration (-1h)")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if strings.HasPrefix(s, "-") {
		d, err := time.ParseDuration(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("--to-datetime %q: not a duration (%w); want e.g. -1h, -90m, -1h30m", s, err)
		}
		return now.Add(d), nil
	}
	if _, err := time.ParseDuration(s); err == nil {
		return time.Time{}, fmt.Errorf("--to-datetime %q: a relative time needs a minus sign (-%s: that long ago)", s, s)
	}
	return time.Time{}, fmt.Errorf("--to-datetime %q is neither an RFC 3339 time (2026-11-24T18:00:00Z) nor a negative duration (-1h)", s)
}
