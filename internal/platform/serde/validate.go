package serde

import (
	"errors"
	"fmt"

	"github.com/hamba/avro/v2"
)

// validateBody checks that body is exactly one well-formed Avro value of the writer schema
// before hamba/avro decodes it. hamba trusts announced sizes: its generic decoder (used for
// map[string]any and any targets) loops over an array's announced item count even after the
// bytes have run out, so one garbage record announcing 2^40 items hangs the consumer and
// exhausts memory. This walk stops at the first inconsistency, bounds the items of all arrays
// and maps of a record by MaxArrayItems and the nesting by maxNesting, and so turns every such
// record into ErrMalformed. It costs one pass over the bytes without allocating.
func validateBody(writer avro.Schema, body []byte) error {
	v := validator{b: body}
	if err := v.value(writer, 0); err != nil {
		return fmt.Errorf("at byte %d: %w", v.pos, err)
	}
	if v.pos != len(body) {
		return fmt.Errorf("%d trailing bytes after the value", len(body)-v.pos)
	}
	return nil
}

// maxNesting bounds how deep a value may nest (recursive schemas), so a hostile record cannot
// grow the stack without limit.
const maxNesting = 256

var (
	errShort     = errors.New("body ends inside a value")
	errVarint    = errors.New("malformed variable-length integer")
	errNegLen    = errors.New("negative length")
	errBool      = errors.New("boolean byte is neither 0 nor 1")
	errIndex     = errors.New("enum or union index out of range")
	errTooMany   = fmt.Errorf("more than %d array or map items in one record", MaxArrayItems)
	errTooDeep   = fmt.Errorf("values nested deeper than %d", maxNesting)
	errIntRange  = errors.New("int out of 32-bit range")
	errBlockSize = errors.New("negative array or map block size")
)

type validator struct {
	b     []byte
	pos   int
	items int // array and map items seen so far, against MaxArrayItems
}

func (v *validator) value(s avro.Schema, depth int) error {
	if depth > maxNesting {
		return errTooDeep
	}
	switch t := s.(type) {
	case *avro.RefSchema:
		return v.value(t.Schema(), depth)
	case *avro.NullSchema:
		return nil
	case *avro.PrimitiveSchema:
		return v.primitive(t.Type())
	case *avro.FixedSchema:
		return v.skip(int64(t.Size()))
	case *avro.EnumSchema:
		i, err := v.long()
		if err != nil {
			return err
		}
		if i < 0 || i >= int64(len(t.Symbols())) {
			return errIndex
		}
		return nil
	case *avro.UnionSchema:
		i, err := v.long()
		if err != nil {
			return err
		}
		if i < 0 || i >= int64(len(t.Types())) {
			return errIndex
		}
		return v.value(t.Types()[i], depth+1)
	case *avro.RecordSchema:
		for _, f := range t.Fields() {
			if err := v.value(f.Type(), depth+1); err != nil {
				return err
			}
		}
		return nil
	case *avro.ArraySchema:
		for {
			n, err := v.block()
			if n == 0 || err != nil {
				return err
			}
			for ; n > 0; n-- {
				if err := v.value(t.Items(), depth+1); err != nil {
					return err
				}
			}
		}
	case *avro.MapSchema:
		for {
			n, err := v.block()
			if n == 0 || err != nil {
				return err
			}
			for ; n > 0; n-- {
				if err := v.primitive(avro.String); err != nil {
					return err
				}
				if err := v.value(t.Values(), depth+1); err != nil {
					return err
				}
			}
		}
	}
	return fmt.Errorf("unsupported schema type %T", s)
}

func (v *validator) primitive(t avro.Type) error {
	switch t {
	case avro.Null:
		return nil
	case avro.Boolean:
		if v.pos >= len(v.b) {
			return errShort
		}
		if v.b[v.pos] > 1 {
			return errBool
		}
		v.pos++
		return nil
	case avro.Int:
		i, err := v.long()
		if err == nil && (i < -1<<31 || i > 1<<31-1) {
			err = errIntRange
		}
		return err
	case avro.Long:
		_, err := v.long()
		return err
	case avro.Float:
		return v.skip(4)
	case avro.Double:
		return v.skip(8)
	case avro.Bytes, avro.String:
		n, err := v.long()
		if err != nil {
			return err
		}
		if n < 0 {
			return errNegLen
		}
		return v.skip(n)
	}
	return fmt.Errorf("unsupported primitive type %s", t)
}

// block reads an array or map block header and returns its item count (0 ends the value).
func (v *validator) block() (int64, error) {
	n, err := v.long()
	if err != nil {
		return 0, err
	}
	if n < 0 {
		// A negative count is followed by the block's size in bytes.
		n = -n
		size, err := v.long()
		if err != nil {
			return 0, err
		}
		if size < 0 {
			return 0, errBlockSize
		}
	}
	if n < 0 || n > int64(MaxArrayItems-v.items) {
		return 0, errTooMany
	}
	v.items += int(n)
	return n, nil
}

func (v *validator) skip(n int64) error {
	if n > int64(len(v.b)-v.pos) {
		return errShort
	}
	v.pos += int(n)
	return nil
}

// long reads a zig-zag varint of at most 10 bytes.
func (v *validator) long() (int64, error) {
	var u uint64
	for shift := uint(0); ; shift += 7 {
		if v.pos >= len(v.b) {
			return 0, errShort
		}
		c := v.b[v.pos]
		v.pos++
		if shift == 63 && c > 1 {
			return 0, errVarint
		}
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	return int64(u>>1) ^ -int64(u&1), nil
}
