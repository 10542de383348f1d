package compat

import (
	"github.com/hamba/avro/v2"
)

// Avro schema resolution (and so hamba/avro and Confluent) ignores logical types: a decimal
// whose scale changes from 2 to 3 still "reads", but every amount is then off by a factor of
// ten. For a domain that moves money that is worse than a refused registration, so this package
// is stricter than Confluent here: a decimal scale change is a conflict. (Precision may change:
// it bounds the digits, it does not change what the bytes mean.)

// scaleChange finds a decimal whose scale differs between a reader and a writer that hamba
// already found compatible. It walks the parts a reader actually reads from the writer.
func scaleChange(reader, writer avro.Schema, path string, depth int) (finding, bool) {
	reader, writer = deref(reader), deref(writer)
	if depth > maxDepth {
		return finding{}, false
	}
	if w, ok := writer.(*avro.UnionSchema); ok {
		for _, b := range w.Types() {
			if f, bad := scaleChange(reader, b, path, depth+1); bad {
				return f, true
			}
		}
		return finding{}, false
	}
	if r, ok := reader.(*avro.UnionSchema); ok {
		for _, b := range r.Types() {
			if sameKind(deref(b), writer) {
				return scaleChange(b, writer, path, depth+1)
			}
		}
		return finding{}, false
	}
	if rs, ws, ok := decimalScales(reader, writer); ok && rs != ws {
		return finding{kind: kindScaleChanged, path: path, reader: itoa(rs), writer: itoa(ws)}, true
	}
	switch r := reader.(type) {
	case *avro.RecordSchema:
		w, ok := writer.(*avro.RecordSchema)
		if !ok {
			return finding{}, false
		}
		for _, rf := range r.Fields() {
			if wf := writerField(w, rf); wf != nil {
				if f, bad := scaleChange(rf.Type(), wf.Type(), join(path, rf.Name()), depth+1); bad {
					return f, true
				}
			}
		}
	case *avro.ArraySchema:
		if w, ok := writer.(*avro.ArraySchema); ok {
			return scaleChange(r.Items(), w.Items(), path+"[]", depth+1)
		}
	case *avro.MapSchema:
		if w, ok := writer.(*avro.MapSchema); ok {
			return scaleChange(r.Values(), w.Values(), path+"{}", depth+1)
		}
	}
	return finding{}, false
}

// decimalScales returns both scales when reader and writer are both decimals.
func decimalScales(reader, writer avro.Schema) (int, int, bool) {
	r, ok1 := decimalOf(reader)
	w, ok2 := decimalOf(writer)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	return r.Scale(), w.Scale(), true
}

func decimalOf(s avro.Schema) (*avro.DecimalLogicalSchema, bool) {
	var l avro.LogicalSchema
	switch t := s.(type) {
	case *avro.PrimitiveSchema:
		l = t.Logical()
	case *avro.FixedSchema:
		l = t.Logical()
	}
	d, ok := l.(*avro.DecimalLogicalSchema)
	return d, ok
}
