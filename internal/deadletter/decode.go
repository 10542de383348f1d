package deadletter

import (
	"context"
	"fmt"

	"github.com/hamba/avro/v2"

	"github.com/novatrek/support/internal/serde"
)

// Decoded is a dead letter's value read through the registry with its own writer schema.
type Decoded struct {
	SchemaID int
	// Schema is the writer schema's full name, e.g. novatrek.booking.ReservationCreated.
	Schema string
	// Value is the generic form hamba/avro gives (records as map[string]any).
	Value any
}

// Decode reads value with the writer schema its id names. Errors wrap serde's sentinels:
// serde.ErrRegistry (the registry did not answer) is worth a retry, the others say the
// bytes are not a readable event.
func Decode(ctx context.Context, sd *serde.Serde, value []byte) (Decoded, error) {
	id, err := serde.SchemaID(value)
	if err != nil {
		return Decoded{}, err
	}
	w, err := sd.WriterSchema(ctx, id)
	if err != nil {
		return Decoded{SchemaID: id}, err
	}
	d := Decoded{SchemaID: id, Schema: schemaName(w)}
	var m map[string]any
	if err := sd.Decode(ctx, value, w, &m); err != nil {
		return d, fmt.Errorf("decoding with its writer schema %d: %w", id, err)
	}
	d.Value = m
	return d, nil
}

// EventID returns metadata.event_id of a decoded event, or "" when it has none.
func (d Decoded) EventID() string {
	m, _ := d.Value.(map[string]any)
	meta, _ := m["metadata"].(map[string]any)
	switch id := meta["event_id"].(type) {
	case string:
		return id
	case fmt.Stringer:
		return id.String()
	}
	return ""
}

// decodeEventIDs fills EventID (or DecodeErr) of every letter.
func decodeEventIDs(ctx context.Context, sd *serde.Serde, letters []Letter) {
	for i := range letters {
		l := &letters[i]
		d, err := Decode(ctx, sd, l.Value)
		if err != nil {
			l.DecodeErr = err
			continue
		}
		l.EventID = d.EventID()
	}
}

func schemaName(s avro.Schema) string {
	if n, ok := s.(avro.NamedSchema); ok {
		return n.FullName()
	}
	return string(s.Type())
}
