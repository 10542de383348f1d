package lag

import (
	"fmt"
	"strings"
)

// Status is the health of a partition or a group, ordered from good to bad, so the status of
// a group is the largest of its partitions'.
type Status int

// Statuses, in the order of their severity.
const (
	// OK: caught up at some point in the window, or moving without falling behind.
	OK Status = iota
	// EMPTY: there is lag, but the group is not one of our services and nobody runs it: no
	// live member and no committed offset moved in the window (an ad-hoc `consume --group`,
	// kcat, another team's test client left behind). Shown, but not an alarm.
	EMPTY
	// WARN: offsets move but the lag grew at every step of the window: the consumer is too slow.
	WARN
	// STALL: live members own the partition, there is lag, and the committed offset did not
	// move in the whole window: the consumer is stuck (a poison record retried, a hung handler).
	STALL
	// STOP: there is lag and no live member has consumed the partition in the whole window:
	// nobody is consuming.
	STOP
	// ERR: the committed offset is outside the log — beyond the high watermark (the topic was
	// recreated or truncated) or before the log start (retention deleted records the group
	// never consumed).
	ERR
)

var statusNames = [...]string{OK: "OK", EMPTY: "EMPTY", WARN: "WARN", STALL: "STALL", STOP: "STOP", ERR: "ERR"}

// Statuses lists every status in order of severity.
func Statuses() []Status { return []Status{OK, EMPTY, WARN, STALL, STOP, ERR} }

func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// MarshalText writes the status name, so JSON output says "STALL", not 2.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a status name, in any case.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if strings.EqualFold(n, string(b)) {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("lag: unknown status %q; want one of OK, EMPTY, WARN, STALL, STOP, ERR", b)
}

// worst returns the more severe of a and b.
func worst(a, b Status) Status { return max(a, b) }
