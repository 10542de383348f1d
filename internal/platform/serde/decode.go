package serde

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/hamba/avro/v2"
)

// Decode reads a framed record into v (a non-nil pointer) as reader schema: the writer schema
// is fetched by the record's id and resolved to reader, both once. Errors wrap ErrMalformed,
// ErrUnknownSchema, ErrIncompatible or (transient) ErrRegistry.
func (s *Serde) Decode(ctx context.Context, data []byte, reader avro.Schema, v any) error {
	if reader == nil {
		return errors.New("serde: decode: nil reader schema")
	}
	if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("serde: decode: want a non-nil pointer, got %T", v)
	}
	id, err := SchemaID(data)
	if err != nil {
		return err
	}
	res, err := s.resolve(ctx, id, reader)
	if err != nil {
		return err
	}
	body := data[headerLen:]
	if err := validateBody(res.writer, body); err != nil {
		return fmt.Errorf("%w: record does not match its writer schema id %d: %w", ErrMalformed, id, err)
	}
	return s.decodeBody(body, res.schema, v, id)
}

// decodeBody decodes exactly body: a body that ends early or has bytes left over does not
// match its writer schema (a classic sign of a producer framing data with the wrong id).
func (s *Serde) decodeBody(body []byte, schema avro.Schema, v any, id int) (err error) {
	r := s.readers.Get().(*avro.Reader)
	r.Reset(body)
	r.Error = nil
	defer func() {
		// hamba/avro is not written to survive every hostile input; a panic here must be a
		// dead letter, not a crashed consumer.
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: decoding with schema id %d panicked: %v", ErrMalformed, id, p)
		}
		r.Reset(nil)
		r.Error = nil
		s.readers.Put(r)
	}()
	r.ReadVal(schema, v)
	// Unlike avro.Unmarshal, an EOF counts: the codecs never read past a well-formed body, so
	// hitting its end means it was cut short (Unmarshal would return a half-filled value).
	if r.Error != nil {
		return fmt.Errorf("%w: decoding with schema id %d: %w", ErrMalformed, id, r.Error)
	}
	r.Peek() // sets io.EOF when nothing is left
	if !errors.Is(r.Error, io.EOF) {
		return fmt.Errorf("%w: trailing bytes after the record decoded with schema id %d", ErrMalformed, id)
	}
	return nil
}
