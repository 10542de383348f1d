package simulate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseRate reads a rate as the CLI writes it: "5/s", "300/m", "2000/h" or a bare number of
// events per second ("5", "0.5"). Zero is allowed (callers treat it as "off"); negative,
// infinite and malformed rates are errors naming the input.
func ParseRate(s string) (float64, error) {
	num, unit, hasUnit := strings.Cut(strings.TrimSpace(s), "/")
	per := 1.0
	if hasUnit {
		switch strings.TrimSpace(unit) {
		case "s", "sec", "second":
		case "m", "min", "minute":
			per = 60
		case "h", "hour":
			per = 3600
		default:
			return 0, fmt.Errorf("rate %q: unit %q is not s, m or h (e.g. 5/s)", s, unit)
		}
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("rate %q: want a non-negative number of events per second, e.g. 5/s, 300/m or 0.5", s)
	}
	return n / per, nil
}
