package streamtest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/hamba/avro/v2"

	"github.com/novatrek/support/internal/platform/serde"
)

// SchemaID returns the schema id of a Confluent wire-format value.
func SchemaID(value []byte) (int, error) {
	if len(value) < 5 || value[0] != 0 {
		return 0, errors.New("not a Confluent wire-format value")
	}
	return int(binary.BigEndian.Uint32(value[1:5])), nil
}

// Generic decodes a Confluent wire-format value with its writer schema into maps, for
// checks that must not depend on a service's Go types.
func Generic(ctx context.Context, sd *serde.Serde, value []byte) (map[string]any, avro.Schema, error) {
	id, err := SchemaID(value)
	if err != nil {
		return nil, nil, err
	}
	w, err := sd.WriterSchema(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var m map[string]any
	if err := avro.Unmarshal(w, value[5:], &m); err != nil {
		return nil, nil, fmt.Errorf("decode with writer schema %d: %w", id, err)
	}
	return m, w, nil
}

// Causation returns metadata.causation_id of an event value ("" when null): the event id of
// the input that caused an output event.
func Causation(ctx context.Context, sd *serde.Serde, value []byte) (string, error) {
	m, _, err := Generic(ctx, sd, value)
	if err != nil {
		return "", err
	}
	meta, ok := m["metadata"].(map[string]any)
	if !ok {
		return "", errors.New("value has no metadata record")
	}
	switch c := meta["causation_id"].(type) {
	case nil:
		return "", nil
	case string:
		return c, nil
	case map[string]any:
		if s, ok := c["string"].(string); ok {
			return s, nil
		}
	}
	return "", fmt.Errorf("unexpected causation_id %#v", meta["causation_id"])
}

// frame puts body behind the Confluent header for schema id.
func frame(id int, body []byte) []byte {
	out := make([]byte, 5, 5+len(body))
	binary.BigEndian.PutUint32(out[1:], uint32(id))
	return append(out, body...)
}
