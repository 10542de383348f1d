package avrojson

import (
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Layouts of the logical types on output; input takes any RFC 3339 precision.
const (
	layoutLocalMillis = "2006-01-02T15:04:05.000"
	layoutLocalMicros = "2006-01-02T15:04:05.000000"
	layoutLocalInput  = "2006-01-02T15:04:05.999999999"
	layoutDate        = "2006-01-02"
	layoutTimeInput   = "15:04:05.999999999"
)

func parseDate(s string) (int64, error) {
	t, err := time.Parse(layoutDate, s)
	if err != nil {
		return 0, errorf("%q is not a date (want 2006-01-02)", s)
	}
	return t.Unix() / 86400, nil
}

// parseTimeOfDay returns microseconds since midnight; digits is the precision kept (3 or 6).
func parseTimeOfDay(s string, digits int) (int64, error) {
	t, err := time.Parse(layoutTimeInput, s)
	if err != nil {
		return 0, errorf("%q is not a time of day (want 15:04:05.000)", s)
	}
	if lost(t, digits) {
		return 0, errorf("%q has more precision than the schema keeps (%d decimals)", s, digits)
	}
	return int64(t.Hour())*3_600_000_000 + int64(t.Minute())*60_000_000 + int64(t.Second())*1_000_000 + int64(t.Nanosecond()/1000), nil
}

func parseTimestamp(l logical, s string) (int64, error) {
	var (
		t   time.Time
		err error
	)
	local := l == lLocalTimestampMillis || l == lLocalTimestampMicros
	if local {
		t, err = time.Parse(layoutLocalInput, s)
	} else {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	if err != nil {
		if local {
			return 0, errorf("%q is not a local time (want 2006-01-02T15:04:05.000, no zone)", s)
		}
		return 0, errorf("%q is not an RFC 3339 time (want e.g. 2026-11-24T22:15:00Z)", s)
	}
	if l == lTimestampMillis || l == lLocalTimestampMillis {
		if lost(t, 3) {
			return 0, errorf("%q has more precision than the schema keeps (milliseconds)", s)
		}
		return t.UnixMilli(), nil
	}
	if lost(t, 6) {
		return 0, errorf("%q has more precision than the schema keeps (microseconds)", s)
	}
	return t.UnixMicro(), nil
}

func lost(t time.Time, digits int) bool {
	unit := 1_000_000 // milliseconds
	if digits == 6 {
		unit = 1_000
	}
	return t.Nanosecond()%unit != 0
}

func appendTimestamp(dst []byte, l logical, v int64) []byte {
	switch l {
	case lTimestampMillis:
		return AppendTime(dst, time.UnixMilli(v), 3)
	case lTimestampMicros:
		return AppendTime(dst, time.UnixMicro(v), 6)
	case lLocalTimestampMillis:
		return appendTime(dst, time.UnixMilli(v).UTC(), 3, false)
	default:
		return appendTime(dst, time.UnixMicro(v).UTC(), 6, false)
	}
}

// AppendTime appends t in UTC as RFC 3339 with exactly digits (3 or 6) decimals and a "Z",
// the form consume prints. It is time.AppendFormat without parsing a layout per call, which
// matters at a million timestamps a second.
func AppendTime(dst []byte, t time.Time, digits int) []byte {
	return appendTime(dst, t.UTC(), digits, true)
}

func appendTime(dst []byte, t time.Time, digits int, zone bool) []byte {
	y, mo, d := t.Date()
	if y < 0 || y > 9999 { // outside what four digits hold: the slow, general way
		layout := layoutLocalMillis
		if digits == 6 {
			layout = layoutLocalMicros
		}
		dst = t.AppendFormat(dst, layout)
		if zone {
			dst = append(dst, 'Z')
		}
		return dst
	}
	h, mi, s := t.Clock()
	dst = appendDigits(dst, y, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, int(mo), 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, d, 2)
	dst = append(dst, 'T')
	dst = appendDigits(dst, h, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, mi, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, s, 2)
	dst = append(dst, '.')
	if digits == 6 {
		dst = appendDigits(dst, t.Nanosecond()/1000, 6)
	} else {
		dst = appendDigits(dst, t.Nanosecond()/1_000_000, 3)
	}
	if zone {
		dst = append(dst, 'Z')
	}
	return dst
}

// appendDigits appends v (non-negative) zero-padded to width digits.
func appendDigits(dst []byte, v, width int) []byte {
	var buf [8]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, buf[:width]...)
}

func appendTimeOfDay(dst []byte, micros int64, digits int) []byte {
	t := time.Unix(0, 0).UTC().Add(time.Duration(micros) * time.Microsecond)
	if digits == 3 {
		return t.AppendFormat(dst, "15:04:05.000")
	}
	return t.AppendFormat(dst, "15:04:05.000000")
}

var ten = big.NewInt(10)

// decimalBytes encodes a decimal string as the two's-complement big-endian unscaled value
// Avro's decimal wants; size > 0 sign-extends to a fixed size.
func decimalBytes(s string, scale, precision, size int) ([]byte, error) {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+' || r == 'e' || r == 'E')
	}) {
		return nil, errorf("%q is not a decimal number", s)
	}
	// big.Rat would compute 10^999999 for "1e999999": bound the exponent (and so the work)
	// by what any decimal schema can hold.
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if e, err := strconv.Atoi(s[i+1:]); err != nil || e > 100 || e < -100 {
			return nil, errorf("%q is out of range for a decimal", s)
		}
	}
	if len(s) > 200 {
		return nil, errorf("%q is out of range for a decimal", s[:20]+"...")
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, errorf("%q is not a decimal number", s)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(ten, big.NewInt(int64(scale)), nil)))
	if !r.IsInt() {
		return nil, errorf("%q has more than %d decimal places", s, scale)
	}
	x := r.Num()
	if precision > 0 && len(new(big.Int).Abs(x).String()) > precision && x.Sign() != 0 {
		return nil, errorf("%q has more than %d significant digits", s, precision)
	}
	b := twosComplement(x)
	if size > 0 {
		if len(b) > size {
			return nil, errorf("%q does not fit in %d bytes", s, size)
		}
		pad := byte(0)
		if x.Sign() < 0 {
			pad = 0xff
		}
		for len(b) < size {
			b = append([]byte{pad}, b...)
		}
	}
	return b, nil
}

func twosComplement(x *big.Int) []byte {
	if x.Sign() >= 0 {
		b := x.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	y := new(big.Int).Neg(x)
	y.Sub(y, big.NewInt(1))
	b := y.Bytes()
	for i := range b {
		b[i] = ^b[i]
	}
	if len(b) == 0 || b[0]&0x80 == 0 {
		b = append([]byte{0xff}, b...)
	}
	return b
}

// appendDecimal appends the unscaled two's-complement value b with scale as a JSON string.
func appendDecimal(dst []byte, b []byte, scale int) []byte {
	var digits []byte
	neg := len(b) > 0 && b[0]&0x80 != 0
	if len(b) <= 8 {
		var v int64
		if neg {
			v = -1
		}
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		if v < 0 {
			digits = strconv.AppendUint(make([]byte, 0, 24), uint64(-v), 10) // -MinInt64 wraps to itself as uint64: still right
		} else {
			digits = strconv.AppendInt(make([]byte, 0, 24), v, 10)
		}
	} else {
		x := new(big.Int).SetBytes(b)
		if neg {
			x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
		}
		digits = []byte(new(big.Int).Abs(x).String())
	}
	dst = append(dst, '"')
	if neg {
		dst = append(dst, '-')
	}
	if scale > 0 {
		for len(digits) <= scale {
			digits = append([]byte{'0'}, digits...)
		}
		cut := len(digits) - scale
		dst = append(dst, digits[:cut]...)
		dst = append(dst, '.')
		dst = append(dst, digits[cut:]...)
	} else {
		dst = append(dst, digits...)
	}
	return append(dst, '"')
}

func unixDay(days int64) time.Time { return time.Unix(days*86400, 0).UTC() }
