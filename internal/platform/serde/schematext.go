package serde

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/hamba/avro/v2"
)

// SchemaText renders a parsed schema as Avro schema JSON that parses back to the same schema,
// defaults included. Encode sends it to the registry to look up (and register) schemas.
//
// hamba/avro's own MarshalJSON is not enough for that: it writes a bytes default as base64 and
// a fixed default as an array of numbers, so re-parsing gives other bytes, or fails. (avrogen
// -fullschema embeds MarshalJSON output, so generated types inherit this: avoid bytes and fixed
// defaults in schemas that go through avrogen.)
func SchemaText(s avro.Schema) (string, error) {
	w := &textWriter{defined: map[string]bool{}}
	if err := w.schema(s, ""); err != nil {
		return "", fmt.Errorf("rendering schema: %w", err)
	}
	return w.buf.String(), nil
}

type textWriter struct {
	buf     bytes.Buffer
	defined map[string]bool // named types already written in full
}

// propertied is implemented by every hamba schema that keeps custom properties.
type propertied interface{ Props() map[string]any }

func (w *textWriter) schema(s avro.Schema, ns string) error {
	switch t := s.(type) {
	case *avro.RefSchema:
		return w.value(t.Schema().FullName())
	case *avro.NullSchema:
		w.buf.WriteString(`"null"`)
		return nil
	case *avro.PrimitiveSchema:
		return w.primitive(t)
	case *avro.RecordSchema:
		return w.record(t, ns)
	case *avro.EnumSchema:
		return w.enum(t, ns)
	case *avro.FixedSchema:
		return w.fixed(t, ns)
	case *avro.ArraySchema:
		w.buf.WriteString(`{"type":"array","items":`)
		if err := w.schema(t.Items(), ns); err != nil {
			return err
		}
		return w.closeWithProps(t)
	case *avro.MapSchema:
		w.buf.WriteString(`{"type":"map","values":`)
		if err := w.schema(t.Values(), ns); err != nil {
			return err
		}
		return w.closeWithProps(t)
	case *avro.UnionSchema:
		w.buf.WriteByte('[')
		for i, b := range t.Types() {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			if err := w.schema(b, ns); err != nil {
				return err
			}
		}
		w.buf.WriteByte(']')
		return nil
	}
	return fmt.Errorf("unsupported schema type %T", s)
}

func (w *textWriter) primitive(s *avro.PrimitiveSchema) error {
	if s.Logical() == nil && len(s.Props()) == 0 {
		return w.value(string(s.Type()))
	}
	w.buf.WriteString(`{"type":`)
	if err := w.value(string(s.Type())); err != nil {
		return err
	}
	w.logical(s.Logical())
	return w.closeWithProps(s)
}

func (w *textWriter) logical(l avro.LogicalSchema) {
	if l == nil {
		return
	}
	fmt.Fprintf(&w.buf, `,"logicalType":%q`, string(l.Type()))
	if d, ok := l.(*avro.DecimalLogicalSchema); ok {
		fmt.Fprintf(&w.buf, `,"precision":%d,"scale":%d`, d.Precision(), d.Scale())
	}
}

// named writes a reference if the type was already defined, else "type" and the name
// attributes, and reports whether the caller must write the rest of the definition.
func (w *textWriter) named(s avro.NamedSchema, typ, ns string) (bool, error) {
	if w.defined[s.FullName()] {
		return false, w.value(s.FullName())
	}
	w.defined[s.FullName()] = true
	fmt.Fprintf(&w.buf, `{"type":%q,"name":`, typ)
	if err := w.value(s.FullName()); err != nil {
		return false, err
	}
	if !strings.Contains(s.FullName(), ".") && ns != "" {
		// A dotless name would inherit the enclosing namespace.
		w.buf.WriteString(`,"namespace":""`)
	}
	if len(s.Aliases()) > 0 {
		w.buf.WriteString(`,"aliases":`)
		if err := w.value(s.Aliases()); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (w *textWriter) doc(doc string) error {
	if doc == "" {
		return nil
	}
	w.buf.WriteString(`,"doc":`)
	return w.value(doc)
}

func (w *textWriter) record(s *avro.RecordSchema, ns string) error {
	typ := "record"
	if s.IsError() {
		typ = "error"
	}
	more, err := w.named(s, typ, ns)
	if err != nil || !more {
		return err
	}
	if err := w.doc(s.Doc()); err != nil {
		return err
	}
	w.buf.WriteString(`,"fields":[`)
	for i, f := range s.Fields() {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		if err := w.field(f, s.Namespace()); err != nil {
			return fmt.Errorf("field %s.%s: %w", s.FullName(), f.Name(), err)
		}
	}
	w.buf.WriteByte(']')
	return w.closeWithProps(s)
}

func (w *textWriter) field(f *avro.Field, ns string) error {
	w.buf.WriteString(`{"name":`)
	if err := w.value(f.Name()); err != nil {
		return err
	}
	if len(f.Aliases()) > 0 {
		w.buf.WriteString(`,"aliases":`)
		if err := w.value(f.Aliases()); err != nil {
			return err
		}
	}
	if err := w.doc(f.Doc()); err != nil {
		return err
	}
	w.buf.WriteString(`,"type":`)
	if err := w.schema(f.Type(), ns); err != nil {
		return err
	}
	if f.HasDefault() {
		def, err := defaultJSON(f.Type(), f.Default())
		if err != nil {
			return fmt.Errorf("default: %w", err)
		}
		w.buf.WriteString(`,"default":`)
		if err := w.value(def); err != nil {
			return err
		}
	}
	if o := f.Order(); o != "" && o != avro.Asc {
		fmt.Fprintf(&w.buf, `,"order":%q`, string(o))
	}
	return w.closeWithProps(f)
}

func (w *textWriter) enum(s *avro.EnumSchema, ns string) error {
	more, err := w.named(s, "enum", ns)
	if err != nil || !more {
		return err
	}
	if err := w.doc(s.Doc()); err != nil {
		return err
	}
	w.buf.WriteString(`,"symbols":`)
	if err := w.value(s.Symbols()); err != nil {
		return err
	}
	if s.HasDefault() {
		w.buf.WriteString(`,"default":`)
		if err := w.value(s.Default()); err != nil {
			return err
		}
	}
	return w.closeWithProps(s)
}

func (w *textWriter) fixed(s *avro.FixedSchema, ns string) error {
	more, err := w.named(s, "fixed", ns)
	if err != nil || !more {
		return err
	}
	fmt.Fprintf(&w.buf, `,"size":%d`, s.Size())
	w.logical(s.Logical())
	return w.closeWithProps(s)
}

// closeWithProps writes custom properties in key order and closes the object.
func (w *textWriter) closeWithProps(p propertied) error {
	props := p.Props()
	for _, k := range slices.Sorted(maps.Keys(props)) {
		w.buf.WriteByte(',')
		if err := w.value(k); err != nil {
			return err
		}
		w.buf.WriteByte(':')
		if err := w.value(props[k]); err != nil {
			return fmt.Errorf("property %q: %w", k, err)
		}
	}
	w.buf.WriteByte('}')
	return nil
}

// value writes v as JSON without HTML escaping (schemas are not HTML).
func (w *textWriter) value(v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	w.buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return nil
}

// defaultJSON turns a default as hamba holds it back into its Avro JSON form: bytes and fixed
// are strings of code points 0-255, a union's default belongs to its first branch.
func defaultJSON(s avro.Schema, v any) (any, error) {
	if r, ok := s.(*avro.RefSchema); ok {
		s = r.Schema()
	}
	switch t := s.(type) {
	case *avro.NullSchema:
		return nil, nil
	case *avro.UnionSchema:
		return defaultJSON(t.Types()[0], v)
	case *avro.PrimitiveSchema:
		if t.Type() == avro.Bytes {
			return byteString(v)
		}
		return v, nil
	case *avro.FixedSchema:
		return byteString(v)
	case *avro.ArraySchema:
		items, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("array default is %T", v)
		}
		out := make([]any, len(items))
		for i, it := range items {
			var err error
			if out[i], err = defaultJSON(t.Items(), it); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *avro.MapSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("map default is %T", v)
		}
		out := make(map[string]any, len(m))
		for k, it := range m {
			var err error
			if out[k], err = defaultJSON(t.Values(), it); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *avro.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("record default is %T", v)
		}
		out := make(map[string]any, len(m))
		for _, f := range t.Fields() {
			fv, ok := m[f.Name()]
			if !ok {
				continue
			}
			var err error
			if out[f.Name()], err = defaultJSON(f.Type(), fv); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// byteString maps bytes to the code points 0-255, Avro's JSON encoding of bytes.
func byteString(v any) (string, error) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) || rv.Type().Elem().Kind() != reflect.Uint8 {
		return "", fmt.Errorf("bytes default is %T", v)
	}
	var sb strings.Builder
	for i := range rv.Len() {
		sb.WriteRune(rune(rv.Index(i).Uint()))
	}
	return sb.String(), nil
}
