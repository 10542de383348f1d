package streamtest

import (
	"context"
	"fmt"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

// mismatched returns a value whose writer schema carries the reader's record name but
// cannot be resolved to it (metadata is an int), registered under a subject of its own so
// no compatibility rule of the input's subject stands in the way.
func mismatched(s Subject) func(h *Harness) []byte {
	return func(h *Harness) []byte {
		h.T.Helper()
		reader, ok := s.Valid(23).Schema.(avro.NamedSchema)
		if !ok {
			h.T.Fatalf("input schema is not a named record")
		}
		text := fmt.Sprintf(`{"type":"record","name":%q,"fields":[{"name":"metadata","type":"int"}]}`, reader.FullName())
		ws, err := avro.ParseWithCache(text, "", &avro.SchemaCache{})
		if err != nil {
			h.T.Fatalf("parse mismatched schema: %v", err)
		}
		ss, err := h.Env.Registry.CreateSchema(context.Background(), "streamtest.mismatch-value", sr.Schema{Schema: text, Type: sr.TypeAvro})
		if err != nil {
			h.T.Fatalf("register mismatched schema: %v", err)
		}
		body, err := avro.Marshal(ws, map[string]any{"metadata": 7})
		if err != nil {
			h.T.Fatalf("encode mismatched value: %v", err)
		}
		return frame(ss.ID, body)
	}
}

// invalidEventID returns a well-formed value (the input's own schema id) whose
// metadata.event_id is not a uuid, so it cannot be deduplicated.
func invalidEventID(s Subject) func(h *Harness) []byte {
	return func(h *Harness) []byte {
		h.T.Helper()
		valid := h.Encode(s.Valid(24))
		m, w, err := Generic(context.Background(), h.Env.Serde, valid)
		if err != nil {
			h.T.Fatalf("decode valid input: %v", err)
		}
		meta, ok := m["metadata"].(map[string]any)
		if !ok {
			h.T.Fatalf("input has no metadata record")
		}
		meta["event_id"] = "not-a-uuid"
		body, err := avro.Marshal(w, m)
		if err != nil {
			h.T.Fatalf("encode input with an invalid event id: %v", err)
		}
		id, _ := SchemaID(valid)
		return frame(id, body)
	}
}
