package schemas

import (
	"maps"
	"slices"

	"github.com/hamba/avro/v2"
)

// Event is implemented by the generated Go type of every event and command schema (the
// latest version of each): its metadata (read and replaced), its schema and its Avro binary
// encoding.
type Event interface {
	EventMeta() EventMetadata
	SetEventMeta(m EventMetadata)
	Schema() avro.Schema
	Marshal() ([]byte, error)
	Unmarshal(b []byte) error
}

// New returns a new zero value of the Go type of the named event or command schema (e.g.
// "reservation_created"), or false for an unknown name or a shared type.
func New(name string) (Event, bool) {
	ctor, ok := eventTypes[name]
	if !ok {
		return nil, false
	}
	return ctor(), true
}

// EventNames returns, sorted, the names of the schemas that have a generated Event type.
func EventNames() []string {
	return slices.Sorted(maps.Keys(eventTypes))
}
