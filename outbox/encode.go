package outbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/hamba/avro/v2"
)

// Encoder turns a Go value into Confluent wire-format bytes for topic (magic byte, schema id,
// Avro binary). internal/platform/serde's *Serde is the implementation services use; the interface
// keeps this package free of registry plumbing.
type Encoder interface {
	Encode(ctx context.Context, topic string, schema avro.Schema, v any) ([]byte, error)
}

// Encode builds a Message for topic from an Avro value, so a handler enqueues an event in one
// line. The key is the aggregate id as UTF-8; the value is encoded now, inside the handler,
// so a schema problem fails the handler's transaction instead of blocking the relay later.
func Encode(ctx context.Context, enc Encoder, topic, key string, schema avro.Schema, v any, headers ...Header) (Message, error) {
	if enc == nil {
		return Message{}, errors.New("outbox: encode: nil encoder")
	}
	if topic == "" {
		return Message{}, errors.New("outbox: encode: empty topic")
	}
	b, err := enc.Encode(ctx, topic, schema, v)
	if err != nil {
		return Message{}, fmt.Errorf("outbox: encode value for %s: %w", topic, err)
	}
	return Message{Topic: topic, Key: []byte(key), Value: b, Headers: headers}, nil
}
