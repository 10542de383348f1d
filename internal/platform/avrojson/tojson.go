package avrojson

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// MaxItems bounds the array and map items of one value on the Avro-to-JSON side, as the
// serde bounds decoding, so garbage announcing 2^40 items is an error, not an out-of-memory
// crash.
const MaxItems = 100_000

// AppendJSON appends body, one Avro binary value of the codec's schema, as natural JSON (one
// line, no trailing newline) to dst. A body that does not decode (cut short, trailing bytes,
// bad indexes) is an error wrapping ErrMalformed; dst is returned unchanged then.
func (c *Codec) AppendJSON(dst, body []byte) ([]byte, error) {
	r := reader{b: body}
	out, err := r.value(dst, c.root, 0)
	if err != nil {
		return dst, fmt.Errorf("%w: at byte %d: %w", ErrMalformed, r.pos, err)
	}
	if r.pos != len(body) {
		return dst, fmt.Errorf("%w: %d trailing bytes after the value", ErrMalformed, len(body)-r.pos)
	}
	return out, nil
}

type reader struct {
	b     []byte
	pos   int
	items int
}

var (
	errShort   = errorf("data ends inside a value")
	errVarint  = errorf("malformed variable-length integer")
	errIndex   = errorf("enum or union index out of range")
	errTooMany = errorf("more than %d array or map items", MaxItems)
	errNegLen  = errorf("negative length")
	errDepth   = errorf("nested deeper than %d", maxDepth)
)

func (r *reader) long() (int64, error) {
	u, n := binary.Uvarint(r.b[r.pos:])
	if n <= 0 {
		if n == 0 {
			return 0, errShort
		}
		return 0, errVarint
	}
	r.pos += n
	return int64(u>>1) ^ -int64(u&1), nil
}

func (r *reader) take(n int64) ([]byte, error) {
	if n < 0 {
		return nil, errNegLen
	}
	if n > int64(len(r.b)-r.pos) {
		return nil, errShort
	}
	b := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return b, nil
}

// bytes reads a length-prefixed byte string: Avro bytes and string values, and map keys.
func (r *reader) bytes() ([]byte, error) {
	l, err := r.long()
	if err != nil {
		return nil, err
	}
	return r.take(l)
}

// block reads an array or map block header: its item count (0 ends the value).
func (r *reader) block() (int64, error) {
	n, err := r.long()
	if err != nil {
		return 0, err
	}
	if n < 0 { // a negative count is followed by the block's size in bytes
		n = -n
		if _, err := r.long(); err != nil {
			return 0, err
		}
	}
	if n < 0 || int64(r.items)+n > MaxItems {
		return 0, errTooMany
	}
	r.items += int(n)
	return n, nil
}

func (r *reader) value(dst []byte, n *node, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, errDepth
	}
	switch n.kind {
	case kNull:
		return append(dst, "null"...), nil
	case kBool:
		if r.pos >= len(r.b) {
			return dst, errShort
		}
		c := r.b[r.pos]
		r.pos++
		switch c {
		case 0:
			return append(dst, "false"...), nil
		case 1:
			return append(dst, "true"...), nil
		}
		return dst, errorf("boolean byte is %d", c)
	case kInt, kLong:
		v, err := r.long()
		if err != nil {
			return dst, err
		}
		if n.kind == kInt && (v < math.MinInt32 || v > math.MaxInt32) {
			return dst, errorf("int out of 32-bit range")
		}
		switch n.logical {
		case lNone:
			return strconv.AppendInt(dst, v, 10), nil
		case lDate:
			dst = append(dst, '"')
			dst = appendDate(dst, v)
			return append(dst, '"'), nil
		case lTimeMillis:
			dst = append(dst, '"')
			dst = appendTimeOfDay(dst, v*1000, 3)
			return append(dst, '"'), nil
		case lTimeMicros:
			dst = append(dst, '"')
			dst = appendTimeOfDay(dst, v, 6)
			return append(dst, '"'), nil
		default:
			dst = append(dst, '"')
			dst = appendTimestamp(dst, n.logical, v)
			return append(dst, '"'), nil
		}
	case kFloat:
		b, err := r.take(4)
		if err != nil {
			return dst, err
		}
		return appendFloat(dst, float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), 32), nil
	case kDouble:
		b, err := r.take(8)
		if err != nil {
			return dst, err
		}
		return appendFloat(dst, math.Float64frombits(binary.LittleEndian.Uint64(b)), 64), nil
	case kString, kBytes:
		b, err := r.bytes()
		if err != nil {
			return dst, err
		}
		return appendBytes(dst, n, b), nil
	case kFixed:
		b, err := r.take(int64(n.size))
		if err != nil {
			return dst, err
		}
		return appendBytes(dst, n, b), nil
	case kEnum:
		i, err := r.long()
		if err != nil {
			return dst, err
		}
		if i < 0 || i >= int64(len(n.symJSON)) {
			return dst, errIndex
		}
		return append(dst, n.symJSON[i]...), nil
	case kUnion:
		i, err := r.long()
		if err != nil {
			return dst, err
		}
		if i < 0 || i >= int64(len(n.types)) {
			return dst, errIndex
		}
		return r.value(dst, n.types[i], depth+1)
	case kRecord:
		dst = append(dst, '{')
		for i := range n.fields {
			f := &n.fields[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, f.key...)
			var err error
			if dst, err = r.value(dst, f.typ, depth+1); err != nil {
				return dst, under(err, f.name)
			}
		}
		return append(dst, '}'), nil
	case kArray, kMap:
		open, close := byte('['), byte(']')
		if n.kind == kMap {
			open, close = '{', '}'
		}
		dst = append(dst, open)
		first := true
		for {
			cnt, err := r.block()
			if err != nil {
				return dst, err
			}
			if cnt == 0 {
				return append(dst, close), nil
			}
			for ; cnt > 0; cnt-- {
				if !first {
					dst = append(dst, ',')
				}
				first = false
				if n.kind == kMap {
					k, err := r.bytes()
					if err != nil {
						return dst, err
					}
					dst = appendString(dst, k)
					dst = append(dst, ':')
				}
				if dst, err = r.value(dst, n.items, depth+1); err != nil {
					return dst, err
				}
			}
		}
	}
	return dst, errorf("unsupported schema kind %d", n.kind)
}

func appendBytes(dst []byte, n *node, b []byte) []byte {
	switch {
	case n.kind == kString:
		return appendString(dst, b)
	case n.logical == lDecimal:
		return appendDecimal(dst, b, n.scale)
	}
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

func appendDate(dst []byte, days int64) []byte {
	t := unixDay(days)
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(dst, layoutDate)
	}
	dst = appendDigits(dst, y, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, int(m), 2)
	dst = append(dst, '-')
	return appendDigits(dst, d, 2)
}

func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Infinity"`...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

// AppendString appends s as a JSON string, escaping what JSON requires and replacing invalid
// UTF-8 with U+FFFD, as encoding/json does.
func AppendString[T string | []byte](dst []byte, s T) []byte { return appendString(dst, s) }

const hexDigits = "0123456789abcdef"

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// plainPrefix returns how many leading bytes of b are printable ASCII other than '"' and
// '\\' (copied as they are), looking at 8 bytes per step.
func plainPrefix(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		quote := x ^ (lsb * '"')
		slash := x ^ (lsb * '\\')
		special := (x - lsb*0x20) | (quote-lsb)&^quote | (slash-lsb)&^slash | x
		if special&msb != 0 {
			break
		}
	}
	return i
}

// safe[c] is true for ASCII bytes that go into a JSON string as they are.
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func appendString[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	start := 0
	i := 0
	if b, ok := any(s).([]byte); ok {
		i = plainPrefix(b) // most strings need no escaping: skip them 8 bytes at a time
	}
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		var r rune
		var size int
		switch v := any(s).(type) {
		case string:
			r, size = utf8.DecodeRuneInString(v[i:])
		case []byte:
			r, size = utf8.DecodeRune(v[i:])
		}
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
