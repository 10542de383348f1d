package avrojson

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/hamba/avro/v2"
)

type kind uint8

const (
	kNull kind = iota
	kBool
	kInt
	kLong
	kFloat
	kDouble
	kBytes
	kString
	kFixed
	kEnum
	kArray
	kMap
	kRecord
	kUnion
)

type logical uint8

const (
	lNone logical = iota
	lDecimal
	lUUID
	lDate
	lTimeMillis
	lTimeMicros
	lTimestampMillis
	lTimestampMicros
	lLocalTimestampMillis
	lLocalTimestampMicros
)

// node is a schema compiled for walking: kinds as small integers, field names and enum
// symbols pre-escaped as JSON, defaults pre-encoded as Avro binary.
type node struct {
	kind      kind
	logical   logical
	scale     int
	precision int
	size      int    // fixed size
	name      string // full name of a named type, or the primitive type name
	short     string // name without namespace (named types)

	fields  []field
	byName  map[string]int
	symbols []string
	symJSON [][]byte // `"SYMBOL"`
	items   *node    // array items, map values
	types   []*node  // union branches
	nullAt  int      // index of the null branch in a union, -1 if none
}

type field struct {
	name   string
	key    []byte // `"name":`
	typ    *node
	hasDef bool
	def    []byte // the default, Avro binary
}

// Codec converts between Avro binary and natural JSON for one schema. It is immutable and
// safe for concurrent use.
type Codec struct {
	root   *node
	schema avro.Schema
}

// Schema returns the schema the codec was compiled from.
func (c *Codec) Schema() avro.Schema { return c.schema }

var cache sync.Map // avro.Schema → *Codec

// Compile returns the codec of s, compiling it on first use. Schemas are keyed by identity,
// as the serde caches them: parse a schema once and keep it.
func Compile(s avro.Schema) (*Codec, error) {
	if s == nil {
		return nil, fmt.Errorf("avrojson: nil schema")
	}
	if c, ok := cache.Load(s); ok {
		return c.(*Codec), nil
	}
	cp := compiler{named: map[string]*node{}}
	root, err := cp.node(s)
	if err != nil {
		return nil, fmt.Errorf("avrojson: compiling %s: %w", s.Type(), err)
	}
	c, _ := cache.LoadOrStore(s, &Codec{root: root, schema: s})
	return c.(*Codec), nil
}

type compiler struct {
	named map[string]*node // full name → node, so recursive types close the loop
}

func (cp *compiler) node(s avro.Schema) (*node, error) {
	switch t := s.(type) {
	case *avro.RefSchema:
		return cp.node(t.Schema())
	case *avro.NullSchema:
		return &node{kind: kNull, name: "null"}, nil
	case *avro.PrimitiveSchema:
		return primitive(t)
	case *avro.RecordSchema:
		if n, ok := cp.named[t.FullName()]; ok {
			return n, nil
		}
		n := &node{kind: kRecord, name: t.FullName(), short: t.Name(), byName: map[string]int{}}
		cp.named[t.FullName()] = n
		for i, f := range t.Fields() {
			ft, err := cp.node(f.Type())
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			fd := field{name: f.Name(), key: append(appendString(nil, f.Name()), ':'), typ: ft}
			if f.HasDefault() {
				fd.hasDef = true
				fd.def, err = encode(nil, ft, f.Default(), true, 0)
				if err != nil {
					return nil, fmt.Errorf("default of field %s: %w", f.Name(), err)
				}
			}
			n.fields = append(n.fields, fd)
			n.byName[f.Name()] = i
		}
		return n, nil
	case *avro.EnumSchema:
		if n, ok := cp.named[t.FullName()]; ok {
			return n, nil
		}
		n := &node{kind: kEnum, name: t.FullName(), short: t.Name(), symbols: t.Symbols()}
		for _, sym := range t.Symbols() {
			n.symJSON = append(n.symJSON, appendString(nil, sym))
		}
		cp.named[t.FullName()] = n
		return n, nil
	case *avro.FixedSchema:
		if n, ok := cp.named[t.FullName()]; ok {
			return n, nil
		}
		n := &node{kind: kFixed, name: t.FullName(), short: t.Name(), size: t.Size()}
		if d, ok := t.Logical().(*avro.DecimalLogicalSchema); ok {
			n.logical, n.scale, n.precision = lDecimal, d.Scale(), d.Precision()
		}
		cp.named[t.FullName()] = n
		return n, nil
	case *avro.ArraySchema:
		items, err := cp.node(t.Items())
		if err != nil {
			return nil, err
		}
		return &node{kind: kArray, name: "array", items: items}, nil
	case *avro.MapSchema:
		values, err := cp.node(t.Values())
		if err != nil {
			return nil, err
		}
		return &node{kind: kMap, name: "map", items: values}, nil
	case *avro.UnionSchema:
		n := &node{kind: kUnion, name: "union", nullAt: -1}
		for i, bt := range t.Types() {
			b, err := cp.node(bt)
			if err != nil {
				return nil, err
			}
			if b.kind == kNull {
				n.nullAt = i
			}
			n.types = append(n.types, b)
		}
		return n, nil
	}
	return nil, fmt.Errorf("unsupported schema type %T", s)
}

// primitiveKinds gives the node kind of each Avro primitive type that can carry a value.
var primitiveKinds = map[avro.Type]kind{
	avro.Boolean: kBool,
	avro.Int:     kInt,
	avro.Long:    kLong,
	avro.Float:   kFloat,
	avro.Double:  kDouble,
	avro.Bytes:   kBytes,
	avro.String:  kString,
}

// logicalOn says, for each logical type read on a primitive, which primitive kind it
// annotates. On any other kind the annotation is ignored and the value is read as its plain
// primitive, as the Avro specification asks.
var logicalOn = map[avro.LogicalType]struct {
	kind    kind
	logical logical
}{
	avro.Decimal:              {kBytes, lDecimal},
	avro.UUID:                 {kString, lUUID},
	avro.Date:                 {kInt, lDate},
	avro.TimeMillis:           {kInt, lTimeMillis},
	avro.TimeMicros:           {kLong, lTimeMicros},
	avro.TimestampMillis:      {kLong, lTimestampMillis},
	avro.TimestampMicros:      {kLong, lTimestampMicros},
	avro.LocalTimestampMillis: {kLong, lLocalTimestampMillis},
	avro.LocalTimestampMicros: {kLong, lLocalTimestampMicros},
}

func primitive(t *avro.PrimitiveSchema) (*node, error) {
	k, ok := primitiveKinds[t.Type()]
	if !ok {
		return nil, fmt.Errorf("unsupported primitive type %s", t.Type())
	}
	n := &node{kind: k, name: string(t.Type())}
	ls := t.Logical()
	if ls == nil {
		return n, nil
	}
	on, ok := logicalOn[ls.Type()]
	if !ok || on.kind != n.kind {
		return n, nil
	}
	n.logical = on.logical
	if d, ok := ls.(*avro.DecimalLogicalSchema); ok {
		n.scale, n.precision = d.Scale(), d.Precision()
	}
	return n, nil
}

// fixedBytes turns hamba's parsed fixed default (a [N]byte array) into a slice.
func fixedBytes(v any) ([]byte, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Array || rv.Type().Elem().Kind() != reflect.Uint8 {
		return nil, false
	}
	b := make([]byte, rv.Len())
	reflect.Copy(reflect.ValueOf(b), rv)
	return b, true
}
