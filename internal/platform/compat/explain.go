package compat

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hamba/avro/v2"
)

// hamba/avro's messages name a missing field but not where it sits, and say nothing about
// which field a type change broke ("reader schema string not compatible with writer schema
// int"). explain walks the two schemas the way hamba does, descending only into the parts
// hamba rejects, to find the deepest offending field.

type findingKind int

const (
	kindOther         findingKind = iota // fall back to hamba's own message
	kindMissingField                     // reader field absent from the writer, no default
	kindTypeChanged                      // reader and writer types cannot be promoted
	kindMissingSymbol                    // writer enum symbol the reader lacks, no enum default
	kindNameChanged                      // named types with different names and no alias
	kindSizeChanged                      // fixed sizes differ
	kindScaleChanged                     // decimal scales differ (see decimal.go)
)

type finding struct {
	kind   findingKind
	path   string
	reader string // reader type, name or size, depending on kind
	writer string // writer type, name or size
	symbol string // enum symbol, or the fixed type's name
	err    error  // hamba's verdict, for kindOther
}

// maxDepth stops explain on pathological (recursive) schemas; past it hamba's message is used.
const maxDepth = 64

// explain finds why reader cannot read writer's data. It must only be called on a pair
// hamba rejects.
func explain(reader, writer avro.Schema, path string, depth int) finding {
	reader, writer = deref(reader), deref(writer)
	if depth > maxDepth {
		return finding{kind: kindOther, path: path, err: compatible(reader, writer)}
	}
	if writer.Type() == avro.Union {
		// Every branch the writer may have written must be readable.
		for _, b := range writer.(*avro.UnionSchema).Types() {
			if compatible(reader, b) != nil {
				return explain(reader, b, path, depth+1)
			}
		}
		return finding{kind: kindOther, path: path, err: compatible(reader, writer)}
	}
	if reader.Type() == avro.Union {
		// The writer's type must match some reader branch; explain against the closest one.
		for _, b := range reader.(*avro.UnionSchema).Types() {
			if sameKind(deref(b), writer) {
				return explain(b, writer, path, depth+1)
			}
		}
		return finding{kind: kindTypeChanged, path: path, reader: typeName(reader), writer: typeName(writer)}
	}
	if reader.Type() != writer.Type() {
		return finding{kind: kindTypeChanged, path: path, reader: typeName(reader), writer: typeName(writer)}
	}
	switch r := reader.(type) {
	case *avro.RecordSchema:
		w := writer.(*avro.RecordSchema)
		if !namesMatch(r, w) {
			return finding{kind: kindNameChanged, path: path, reader: r.FullName(), writer: w.FullName()}
		}
		for _, rf := range r.Fields() {
			fpath := join(path, rf.Name())
			wf := writerField(w, rf)
			if wf == nil {
				if rf.HasDefault() {
					continue
				}
				return finding{kind: kindMissingField, path: fpath}
			}
			if compatible(rf.Type(), wf.Type()) != nil {
				return explain(rf.Type(), wf.Type(), fpath, depth+1)
			}
		}
	case *avro.ArraySchema:
		return explain(r.Items(), writer.(*avro.ArraySchema).Items(), path+"[]", depth+1)
	case *avro.MapSchema:
		return explain(r.Values(), writer.(*avro.MapSchema).Values(), path+"{}", depth+1)
	case *avro.EnumSchema:
		w := writer.(*avro.EnumSchema)
		if !namesMatch(r, w) {
			return finding{kind: kindNameChanged, path: path, reader: r.FullName(), writer: w.FullName()}
		}
		for _, s := range w.Symbols() {
			if !slices.Contains(r.Symbols(), s) {
				return finding{kind: kindMissingSymbol, path: path, reader: r.FullName(), symbol: s}
			}
		}
	case *avro.FixedSchema:
		w := writer.(*avro.FixedSchema)
		if !namesMatch(r, w) {
			return finding{kind: kindNameChanged, path: path, reader: r.FullName(), writer: w.FullName()}
		}
		if r.Size() != w.Size() {
			return finding{kind: kindSizeChanged, path: path, symbol: r.FullName(),
				reader: fmt.Sprint(r.Size()), writer: fmt.Sprint(w.Size())}
		}
	}
	return finding{kind: kindOther, path: path, err: compatible(reader, writer)}
}

// conflictOf turns a finding into a Conflict worded for its direction: in a backward conflict
// the candidate is the reader, in a forward one the earlier version is.
func conflictOf(version int, dir Direction, f finding) Conflict {
	readerName, writerName := "the new schema", fmt.Sprintf("version %d", version)
	if dir == DirectionForward {
		readerName, writerName = writerName, readerName
	}
	subject := "the schema root"
	if f.path != "" {
		subject = fmt.Sprintf("field %q", f.path)
	}
	var reason string
	switch f.kind {
	case kindMissingField:
		if dir == DirectionBackward {
			reason = fmt.Sprintf("%s has no default and is missing from data written with %s", subject, writerName)
		} else {
			reason = fmt.Sprintf("%s has no default in %s, which reads it, but %s does not write it", subject, readerName, writerName)
		}
	case kindTypeChanged:
		reason = fmt.Sprintf("%s changed type: %s writes %s, which %s cannot read as %s", subject, writerName, f.writer, readerName, f.reader)
	case kindMissingSymbol:
		reason = fmt.Sprintf("%s: enum %s in %s has no default and lacks symbol %q, which %s may write", subject, f.reader, readerName, f.symbol, writerName)
	case kindNameChanged:
		reason = fmt.Sprintf("%s changed name: %s has %s, %s has %s (add alias %q to %s)", subject, writerName, f.writer, readerName, f.reader, f.writer, readerName)
	case kindSizeChanged:
		reason = fmt.Sprintf("%s: fixed %s is %s bytes in %s but %s bytes in %s", subject, f.symbol, f.writer, writerName, f.reader, readerName)
	case kindScaleChanged:
		reason = fmt.Sprintf("%s: decimal scale changed: %s writes scale %s, %s would read it as scale %s, misreading every amount (Avro and Confluent allow this; this check does not)",
			subject, writerName, f.writer, readerName, f.reader)
	default:
		reason = fmt.Sprintf("%s: %v", subject, f.err)
	}
	return Conflict{Version: version, Direction: dir, Field: f.path, Reason: reason}
}

func itoa(i int) string { return fmt.Sprint(i) }

func deref(s avro.Schema) avro.Schema {
	for {
		r, ok := s.(*avro.RefSchema)
		if !ok {
			return s
		}
		s = r.Schema()
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// writerField finds the writer field a reader field reads: same name, or a writer field named
// by one of the reader field's aliases (hamba's rule).
func writerField(w *avro.RecordSchema, rf *avro.Field) *avro.Field {
	for _, f := range w.Fields() {
		if f.Name() == rf.Name() || slices.Contains(rf.Aliases(), f.Name()) {
			return f
		}
	}
	return nil
}

// namesMatch mirrors hamba: unqualified names equal, or the reader aliases the writer.
func namesMatch(r, w avro.NamedSchema) bool {
	return r.Name() == w.Name() || slices.Contains(r.Aliases(), w.FullName())
}

// sameKind picks the reader union branch a writer type was meant for.
func sameKind(r, w avro.Schema) bool {
	if r.Type() != w.Type() {
		return false
	}
	rn, ok1 := r.(avro.NamedSchema)
	wn, ok2 := w.(avro.NamedSchema)
	if ok1 && ok2 {
		return namesMatch(rn, wn)
	}
	return true
}

func typeName(s avro.Schema) string {
	s = deref(s)
	switch t := s.(type) {
	case avro.NamedSchema:
		return fmt.Sprintf("%s %s", s.Type(), t.FullName())
	case *avro.UnionSchema:
		names := make([]string, 0, len(t.Types()))
		for _, b := range t.Types() {
			names = append(names, typeName(b))
		}
		return "union [" + strings.Join(names, ", ") + "]"
	case *avro.ArraySchema:
		return "array of " + typeName(t.Items())
	case *avro.MapSchema:
		return "map of " + typeName(t.Values())
	}
	return string(s.Type())
}
