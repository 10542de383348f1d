package valkeystream

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/valkey-io/valkey-go"
)

// Field names of a stream entry written by DefaultMarshaler.
const (
	FieldUUID     = "uuid"
	FieldPayload  = "payload"
	FieldMetadata = "metadata"
)

// Marshaler turns a Watermill message into the field/value pairs of one stream entry.
type Marshaler interface {
	Marshal(topic string, msg *message.Message) ([]FieldValue, error)
}

// Unmarshaler turns the fields of a stream entry back into a Watermill message.
type Unmarshaler interface {
	Unmarshal(fields map[string]string) (*message.Message, error)
}

// FieldValue is one field of a stream entry. Values are binary safe.
type FieldValue struct {
	Field, Value string
}

// DefaultMarshaler writes the message UUID, the payload (raw bytes) and, when there is any
// metadata, the metadata as one JSON object. It keeps entries readable with valkey-cli.
type DefaultMarshaler struct{}

var (
	_ Marshaler   = DefaultMarshaler{}
	_ Unmarshaler = DefaultMarshaler{}
)

// Marshal implements Marshaler.
func (DefaultMarshaler) Marshal(_ string, msg *message.Message) ([]FieldValue, error) {
	fields := []FieldValue{
		{FieldUUID, msg.UUID},
		{FieldPayload, valkey.BinaryString(msg.Payload)},
	}
	if len(msg.Metadata) > 0 {
		md, err := json.Marshal(map[string]string(msg.Metadata))
		if err != nil {
			return nil, fmt.Errorf("encoding metadata of message %s: %w", msg.UUID, err)
		}
		fields = append(fields, FieldValue{FieldMetadata, string(md)})
	}
	return fields, nil
}

// errNoUUID reports an entry that was not written by a Watermill publisher.
var errNoUUID = errors.New("entry has no " + FieldUUID + " field")

// Unmarshal implements Unmarshaler.
func (DefaultMarshaler) Unmarshal(fields map[string]string) (*message.Message, error) {
	id, ok := fields[FieldUUID]
	if !ok {
		return nil, errNoUUID
	}
	var payload []byte
	if p, ok := fields[FieldPayload]; ok {
		payload = []byte(p)
	}
	msg := message.NewMessage(id, payload)
	if md, ok := fields[FieldMetadata]; ok && md != "" {
		if err := json.Unmarshal([]byte(md), &msg.Metadata); err != nil {
			return nil, fmt.Errorf("decoding metadata of message %s: %w", id, err)
		}
	}
	return msg, nil
}
