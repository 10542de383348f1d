package serde

import (
	"context"
	"fmt"

	"github.com/hamba/avro/v2"
)

// AppendFramed appends body — one value already encoded as Avro binary with schema, e.g. by
// internal/platform/avrojson from JSON — framed for topic: the header with schema's id under the topic's
// value subject (looked up, or auto-registered, as Encode does), then body. The body is
// checked to be exactly one well-formed value of schema first, so nothing unreadable leaves.
func (s *Serde) AppendFramed(ctx context.Context, dst []byte, topic string, schema avro.Schema, body []byte) ([]byte, error) {
	if schema == nil {
		return dst, fmt.Errorf("serde: framing for %s: nil schema", topic)
	}
	if err := validateBody(schema, body); err != nil {
		return dst, fmt.Errorf("%w: body for %s does not match its schema: %w", ErrMalformed, topic, err)
	}
	id, err := s.ID(ctx, topic, schema)
	if err != nil {
		return dst, err
	}
	dst = appendHeader(dst, id)
	return append(dst, body...), nil
}
