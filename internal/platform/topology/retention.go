package topology

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseRetention reads a human-friendly retention: "infinite" (or "forever", "-1") is 0,
// "<n>d" is n days, "<n>w" n weeks, anything else a Go duration such as "12h".
func parseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return 0, fmt.Errorf("retention is empty; want e.g. 7d, 12h or infinite")
	case "infinite", "forever", "-1":
		return 0, nil
	}
	if n, unit, ok := cutUnit(s); ok {
		v, err := strconv.ParseInt(n, 10, 64)
		if err != nil || v <= 0 {
			return 0, fmt.Errorf("retention %q: want a positive whole number before %q", s, unit)
		}
		return time.Duration(v) * unitLen(unit), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("retention %q: want e.g. 7d, 2w, 12h or infinite", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("retention %q: must be positive (use infinite to keep forever)", s)
	}
	return d, nil
}

func cutUnit(s string) (num, unit string, ok bool) {
	for _, u := range []string{"d", "w"} {
		if n, found := strings.CutSuffix(s, u); found {
			return n, u, true
		}
	}
	return "", "", false
}

func unitLen(unit string) time.Duration {
	if unit == "w" {
		return 7 * 24 * time.Hour
	}
	return 24 * time.Hour
}
