package deadletter

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hamba/avro/v2"

	"github.com/novatrek/support/internal/platform/avrojson"
	"github.com/novatrek/support/internal/platform/serde"
)

// Decoded is a dead letter's value read through the registry with its own writer schema.
type Decoded struct {
	SchemaID int
	// Schema is the writer schema's full name, e.g. com.novatrek.booking.ReservationCreated.
	Schema string
	// JSON is the value in the natural JSON of internal/platform/avrojson (what `novatrek consume`
	// prints).
	JSON json.RawMessage
}

// Decode reads value with the writer schema its id names. Errors wrap serde's sentinels or
// avrojson.ErrMalformed: serde.ErrRegistry (the registry did not answer) is worth a retry,
// the others say the bytes are not a readable event.
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
	codec, err := avrojson.Compile(w)
	if err != nil {
		return d, fmt.Errorf("%w: writer schema %d: %w", serde.ErrIncompatible, id, err)
	}
	if d.JSON, err = codec.AppendJSON(nil, value[5:]); err != nil {
		return d, fmt.Errorf("decoding with its writer schema %d: %w", id, err)
	}
	return d, nil
}

// EventID returns metadata.event_id of a decoded event, or "" when it has none.
func (d Decoded) EventID() string {
	var v struct {
		Metadata struct {
			EventID string `json:"event_id"`
		} `json:"metadata"`
	}
	if json.Unmarshal(d.JSON, &v) != nil {
		return ""
	}
	return v.Metadata.EventID
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
