package avrojson

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// maxDepth bounds how deep a value may nest, in both directions, so hostile input cannot
// grow the stack without limit.
const maxDepth = 256

// ParseJSON decodes one JSON value keeping numbers exact (json.Number), as AppendAvro wants
// them. Trailing data after the value is an error.
func ParseJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not valid JSON: data after the first value")
	}
	return v, nil
}

// AppendAvroJSON parses data as JSON and appends its Avro binary encoding to dst.
func (c *Codec) AppendAvroJSON(dst, data []byte) ([]byte, error) {
	v, err := ParseJSON(data)
	if err != nil {
		return dst, err
	}
	return c.AppendAvro(dst, v)
}

// AppendAvro appends the Avro binary encoding of v, a value as ParseJSON returns it (nil,
// bool, json.Number, string, []any, map[string]any; float64 and Go integers are taken as
// numbers too), to dst. Errors are *PathError naming where v does not fit the schema.
func (c *Codec) AppendAvro(dst []byte, v any) ([]byte, error) {
	out, err := encode(dst, c.root, v, false, 0)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// encode appends v as n. def says v is a schema default as hamba parsed it (bytes as []byte,
// unions as their first branch) rather than natural JSON.
func encode(dst []byte, n *node, v any, def bool, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, errorf("nested deeper than %d", maxDepth)
	}
	switch n.kind {
	case kNull:
		if v != nil {
			return dst, mismatch("null", v)
		}
		return dst, nil
	case kBool:
		b, ok := v.(bool)
		if !ok {
			return dst, mismatch("boolean", v)
		}
		if b {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case kInt:
		i, err := intValue(n, v)
		if err != nil {
			return dst, err
		}
		return appendLong(dst, i), nil
	case kLong:
		i, err := longValue(n, v)
		if err != nil {
			return dst, err
		}
		return appendLong(dst, i), nil
	case kFloat:
		f, err := floatValue(v, 32)
		if err != nil {
			return dst, err
		}
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(f))), nil
	case kDouble:
		f, err := floatValue(v, 64)
		if err != nil {
			return dst, err
		}
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f)), nil
	case kString:
		s, ok := v.(string)
		if !ok {
			return dst, mismatch("string", v)
		}
		if n.logical == lUUID && !def {
			if err := uuid.Validate(s); err != nil || len(s) != 36 {
				return dst, errorf("%q is not a UUID (want the 36-character form)", s)
			}
		}
		dst = appendLong(dst, int64(len(s)))
		return append(dst, s...), nil
	case kBytes:
		b, err := bytesValue(n, v, def, 0)
		if err != nil {
			return dst, err
		}
		dst = appendLong(dst, int64(len(b)))
		return append(dst, b...), nil
	case kFixed:
		b, err := bytesValue(n, v, def, n.size)
		if err != nil {
			return dst, err
		}
		if len(b) != n.size {
			return dst, errorf("%s holds exactly %d bytes, got %d", n.name, n.size, len(b))
		}
		return append(dst, b...), nil
	case kEnum:
		s, ok := v.(string)
		if !ok {
			return dst, mismatch("one of "+strings.Join(n.symbols, ", "), v)
		}
		i := slices.Index(n.symbols, s)
		if i < 0 {
			return dst, errorf("%q is not a symbol of %s (want one of %s)", s, n.short, strings.Join(n.symbols, ", "))
		}
		return appendLong(dst, int64(i)), nil
	case kArray:
		items, ok := v.([]any)
		if !ok {
			return dst, mismatch("array", v)
		}
		if len(items) > 0 {
			dst = appendLong(dst, int64(len(items)))
			for i, it := range items {
				var err error
				if dst, err = encode(dst, n.items, it, def, depth+1); err != nil {
					return dst, atIndex(err, i)
				}
			}
		}
		return append(dst, 0), nil
	case kMap:
		m, ok := v.(map[string]any)
		if !ok {
			return dst, mismatch("object", v)
		}
		if len(m) > 0 {
			dst = appendLong(dst, int64(len(m)))
			for _, k := range sortedKeys(m) {
				dst = appendLong(dst, int64(len(k)))
				dst = append(dst, k...)
				var err error
				if dst, err = encode(dst, n.items, m[k], def, depth+1); err != nil {
					return dst, at(err, strconv.Quote(k))
				}
			}
		}
		return append(dst, 0), nil
	case kRecord:
		return encodeRecord(dst, n, v, def, depth)
	case kUnion:
		return encodeUnion(dst, n, v, def, depth)
	}
	return dst, errorf("unsupported schema kind %d", n.kind)
}

func encodeRecord(dst []byte, n *node, v any, def bool, depth int) ([]byte, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return dst, mismatch("object ("+n.short+")", v)
	}
	for k := range m {
		if _, known := n.byName[k]; !known {
			return dst, under(errorf("unknown field (%s has %s)", n.short, fieldNames(n)), k)
		}
	}
	for _, f := range n.fields {
		fv, present := m[f.name]
		if !present {
			if !f.hasDef {
				return dst, under(errorf("required field is missing"), f.name)
			}
			dst = append(dst, f.def...)
			continue
		}
		var err error
		if dst, err = encode(dst, f.typ, fv, def, depth+1); err != nil {
			return dst, under(err, f.name)
		}
	}
	return dst, nil
}

func fieldNames(n *node) string {
	names := make([]string, len(n.fields))
	for i, f := range n.fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

func encodeUnion(dst []byte, n *node, v any, def bool, depth int) ([]byte, error) {
	if def { // a union default is a value of its first branch
		return encode(appendLong(dst, 0), n.types[0], v, def, depth+1)
	}
	if v == nil {
		if n.nullAt < 0 {
			return dst, errorf("null is not allowed (want %s)", branchNames(n))
		}
		return appendLong(dst, int64(n.nullAt)), nil
	}
	nonNull := len(n.types)
	if n.nullAt >= 0 {
		nonNull--
	}
	if nonNull > 1 { // the wrapped form {"type": value}
		if m, ok := v.(map[string]any); ok && len(m) == 1 {
			for k, inner := range m {
				for i, b := range n.types {
					if b.kind != kNull && (k == b.name || (b.short != "" && k == b.short)) {
						out, err := encode(appendLong(dst, int64(i)), b, inner, false, depth+1)
						if err != nil {
							return dst, under(err, k)
						}
						return out, nil
					}
				}
			}
		}
	}
	var first error
	for i, b := range n.types {
		if b.kind == kNull {
			continue
		}
		out, err := encode(appendLong(dst, int64(i)), b, v, false, depth+1)
		if err == nil {
			return out, nil
		}
		if first == nil {
			first = err
		}
	}
	if nonNull == 1 {
		return dst, first // the one real type's complaint is the useful one
	}
	return dst, errorf("%s value fits none of the union's types (%s)", jsonType(v), branchNames(n))
}

func branchNames(n *node) string {
	names := make([]string, len(n.types))
	for i, b := range n.types {
		names[i] = b.name
	}
	return strings.Join(names, ", ")
}

func mismatch(want string, got any) error {
	return errorf("expected %s, got %s", want, jsonType(got))
}

// integer reads a whole number from a JSON number or a Go integer default.
func integer(v any, bits int) (int64, bool, error) {
	switch t := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(t), 10, bits)
		if err != nil {
			var ne *strconv.NumError
			if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
				return 0, true, errorf("%s is out of the %d-bit integer range", t, bits)
			}
			return 0, true, errorf("%s is not a whole number", t)
		}
		return i, true, nil
	case int:
		return int64(t), true, nil
	case int32:
		return int64(t), true, nil
	case int64:
		return t, true, nil
	case float64:
		if t != math.Trunc(t) || math.Abs(t) > 1<<53 {
			return 0, true, errorf("%v is not a whole number", t)
		}
		return int64(t), true, nil
	}
	return 0, false, nil
}

func intValue(n *node, v any) (int64, error) {
	if i, ok, err := integer(v, 32); ok {
		return i, err
	}
	s, ok := v.(string)
	switch {
	case ok && n.logical == lDate:
		d, err := parseDate(s)
		return d, err
	case ok && n.logical == lTimeMillis:
		us, err := parseTimeOfDay(s, 3)
		return us / 1000, err
	case n.logical == lDate:
		return 0, mismatch(`date string "2006-01-02"`, v)
	case n.logical == lTimeMillis:
		return 0, mismatch(`time string "15:04:05.000"`, v)
	}
	return 0, mismatch("integer", v)
}

func longValue(n *node, v any) (int64, error) {
	if i, ok, err := integer(v, 64); ok {
		return i, err
	}
	s, ok := v.(string)
	switch n.logical {
	case lTimestampMillis, lTimestampMicros, lLocalTimestampMillis, lLocalTimestampMicros:
		if !ok {
			return 0, mismatch("RFC 3339 time string", v)
		}
		return parseTimestamp(n.logical, s)
	case lTimeMicros:
		if !ok {
			return 0, mismatch(`time string "15:04:05.000000"`, v)
		}
		return parseTimeOfDay(s, 6)
	}
	return 0, mismatch("integer", v)
}

func floatValue(v any, bits int) (float64, error) {
	switch t := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(t), bits)
		if err != nil {
			return 0, errorf("%s is out of range for a %d-bit float", t, bits)
		}
		return f, nil
	case float64:
		return t, nil
	case float32:
		return float64(t), nil
	case int:
		return float64(t), nil
	case int64:
		return float64(t), nil
	case string:
		switch t {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
	}
	return 0, mismatch(`number (or "NaN", "Infinity", "-Infinity")`, v)
}

func bytesValue(n *node, v any, def bool, size int) ([]byte, error) {
	if def { // hamba parsed the default's code points to bytes already
		if b, ok := v.([]byte); ok {
			return b, nil
		}
		if b, ok := fixedBytes(v); ok {
			return b, nil
		}
		return nil, errorf("default is %T, not bytes", v)
	}
	if n.logical == lDecimal {
		var s string
		switch t := v.(type) {
		case string:
			s = t
		case json.Number:
			s = string(t)
		default:
			return nil, mismatch(`decimal string (e.g. "12.50")`, v)
		}
		return decimalBytes(s, n.scale, n.precision, size)
	}
	s, ok := v.(string)
	if !ok {
		return nil, mismatch("base64 string", v)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err2 := base64.RawStdEncoding.DecodeString(s); err2 == nil {
			return b, nil
		}
		return nil, errorf("not base64: %v", err)
	}
	return b, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendLong appends i zig-zag varint encoded, as Avro encodes int and long.
func appendLong(dst []byte, i int64) []byte {
	return binary.AppendUvarint(dst, uint64((i<<1)^(i>>63)))
}
