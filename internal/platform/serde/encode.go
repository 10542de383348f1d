package serde

import (
	"context"
	"fmt"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

// Encode frames v, encoded with schema, for topic. The schema id is looked up under the
// subject "<topic>-value" once and cached; with AutoRegister a schema missing there is
// registered. Errors wrap ErrUnknownSchema (not registered), ErrIncompatible (registration
// refused), ErrRegistry (transient), or describe a value that does not fit the schema.
func (s *Serde) Encode(ctx context.Context, topic string, schema avro.Schema, v any) ([]byte, error) {
	return s.AppendEncode(ctx, nil, topic, schema, v)
}

// AppendEncode is Encode appending to dst, for callers that reuse buffers.
func (s *Serde) AppendEncode(ctx context.Context, dst []byte, topic string, schema avro.Schema, v any) ([]byte, error) {
	if schema == nil {
		return dst, fmt.Errorf("serde: encode for %s: nil schema", topic)
	}
	id, err := s.ID(ctx, topic, schema)
	if err != nil {
		return dst, err
	}
	w := s.writerP.Get().(*avro.Writer)
	w.Reset(nil)
	w.Error = nil
	defer s.writerP.Put(w)
	w.WriteVal(schema, v)
	if w.Error != nil {
		return dst, fmt.Errorf("serde: encoding %T for %s with schema id %d: %w", v, topic, id, w.Error)
	}
	dst = appendHeader(dst, id)
	return append(dst, w.Buffer()...), nil
}

// ID returns the id of schema under topic's value subject, looking it up (or, with
// AutoRegister, registering it) once.
func (s *Serde) ID(ctx context.Context, topic string, schema avro.Schema) (int, error) {
	key := encodeKey{topic: topic, schema: schema}
	return cached(ctx, s, s.ids, key, func() (int, error) { return s.fetchID(ctx, topic, schema) })
}

// fetchID asks the registry for schema's id under topic's value subject and caches it.
func (s *Serde) fetchID(ctx context.Context, topic string, schema avro.Schema) (int, error) {
	text, err := SchemaText(schema)
	if err != nil {
		return 0, fmt.Errorf("serde: %s: %w", topic, err)
	}
	subject := Subject(topic)
	id, err := s.lookupOrRegister(ctx, subject, text)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	s.ids[encodeKey{topic: topic, schema: schema}] = id
	if _, ok := s.writers[id]; !ok {
		s.writers[id] = schema // what we write with id is what a reader of id needs
	}
	s.mu.Unlock()
	s.log.DebugContext(ctx, "schema id found", "subject", subject, "id", id)
	return id, nil
}

func (s *Serde) lookupOrRegister(ctx context.Context, subject, text string) (int, error) {
	found, err := s.client.LookupSchema(ctx, subject, sr.Schema{Schema: text, Type: sr.TypeAvro})
	if err == nil {
		return found.ID, nil
	}
	code := registryCode(err)
	if code != sr.ErrSubjectNotFound.Code && code != sr.ErrSchemaNotFound.Code {
		return 0, fmt.Errorf("%w: looking up schema under %s: %w", ErrRegistry, subject, err)
	}
	if !s.autoRegister {
		return 0, fmt.Errorf("%w: schema is not registered under subject %s (register it, or use AutoRegister): %w", ErrUnknownSchema, subject, err)
	}
	id, err := s.client.RegisterSchema(ctx, subject, sr.Schema{Schema: text, Type: sr.TypeAvro}, -1, -1)
	switch code := registryCode(err); {
	case err == nil:
		return id, nil
	case code == sr.ErrIncompatibleSchema.Code:
		return 0, fmt.Errorf("%w: registering under %s: %w", ErrIncompatible, subject, err)
	case code == sr.ErrInvalidSchema.Code:
		return 0, fmt.Errorf("serde: registry refused the schema for %s as invalid: %w", subject, err)
	default:
		return 0, fmt.Errorf("%w: registering under %s: %w", ErrRegistry, subject, err)
	}
}
