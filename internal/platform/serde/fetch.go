package serde

import (
	"context"
	"errors"
	"fmt"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

// lock takes the fetch semaphore, or gives up when ctx ends.
func (s *Serde) lock(ctx context.Context) error {
	select {
	case s.fetching <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: waiting for a registry look-up: %w", ErrRegistry, ctx.Err())
	}
}

func (s *Serde) unlock() { <-s.fetching }

// cached returns m[key] when it is there. Otherwise it takes the fetch semaphore, looks
// again (the caller before may have fetched the same key) and returns what fetch finds;
// fetch runs under the semaphore and stores its answer in m itself.
func cached[K comparable, V any](ctx context.Context, s *Serde, m map[K]V, key K, fetch func() (V, error)) (V, error) {
	s.mu.RLock()
	v, ok := m[key]
	s.mu.RUnlock()
	if ok {
		return v, nil
	}
	if err := s.lock(ctx); err != nil {
		return v, err
	}
	defer s.unlock()
	s.mu.RLock()
	v, ok = m[key]
	s.mu.RUnlock()
	if ok {
		return v, nil
	}
	return fetch()
}

// WriterSchema returns the schema registered under id, fetching it once. Tools that print
// records without a Go type decode with it as the reader schema.
func (s *Serde) WriterSchema(ctx context.Context, id int) (avro.Schema, error) {
	return cached(ctx, s, s.writers, id, func() (avro.Schema, error) { return s.fetchWriter(ctx, id) })
}

// fetchWriter asks the registry for schema id, parses it and caches it.
func (s *Serde) fetchWriter(ctx context.Context, id int) (avro.Schema, error) {
	got, err := s.client.SchemaByID(ctx, id)
	if err != nil {
		if registryCode(err) == sr.ErrSchemaNotFound.Code {
			return nil, fmt.Errorf("%w: schema id %d: %w", ErrUnknownSchema, id, err)
		}
		return nil, fmt.Errorf("%w: fetching schema id %d: %w", ErrRegistry, id, err)
	}
	if got.Type != sr.TypeAvro {
		return nil, fmt.Errorf("%w: schema id %d is a %s schema, not Avro", ErrIncompatible, id, got.Type)
	}
	if len(got.References) > 0 {
		return nil, fmt.Errorf("%w: schema id %d uses schema references, which are not supported", ErrIncompatible, id)
	}
	// A private name cache: the writer's types must not replace the reader's (generated code
	// parses into hamba's global cache) nor borrow names they do not define.
	w, err := avro.ParseWithCache(got.Schema, "", &avro.SchemaCache{})
	if err != nil {
		return nil, fmt.Errorf("%w: schema id %d does not parse: %w", ErrIncompatible, id, err)
	}
	s.mu.Lock()
	s.writers[id] = w
	s.mu.Unlock()
	s.log.DebugContext(ctx, "fetched writer schema", "id", id)
	return w, nil
}

// registryCode is the Confluent error code of a registry answer, or 0 if err is not one.
func registryCode(err error) int {
	var re *sr.ResponseError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return 0
}

// resolve returns writer id's schema resolved to reader, computing it once per (id, reader).
// A failed resolution is permanent and cached too; registry failures are not.
func (s *Serde) resolve(ctx context.Context, id int, reader avro.Schema) (*resolution, error) {
	key := resolveKey{id: id, reader: reader}
	s.mu.RLock()
	r, ok := s.resolved[key]
	s.mu.RUnlock()
	if ok {
		return r, r.err
	}
	writer, err := s.WriterSchema(ctx, id)
	if err != nil {
		return nil, err
	}
	r = &resolution{writer: writer}
	// A fresh SchemaCompatibility: hamba caches verdicts by canonical fingerprints, which
	// ignore defaults, so a shared one could answer for a reader with other defaults.
	r.schema, err = avro.NewSchemaCompatibility().Resolve(reader, writer)
	if err != nil {
		r.schema = nil
		r.err = fmt.Errorf("%w: writer schema id %d cannot be read as %s: %w", ErrIncompatible, id, schemaName(reader), err)
	}
	s.mu.Lock()
	s.resolved[key] = r
	s.mu.Unlock()
	return r, r.err
}

func schemaName(s avro.Schema) string {
	if n, ok := s.(avro.NamedSchema); ok {
		return n.FullName()
	}
	return string(s.Type())
}
