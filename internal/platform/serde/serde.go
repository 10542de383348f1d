// Package serde encodes and decodes record values in the Confluent wire format: magic byte 0,
// the schema id as a 4-byte big-endian integer, then the Avro binary body.
//
// Encoding looks the value schema up under the topic's subject "<topic>-value"
// (TopicNameStrategy) and caches the id. Decoding fetches the writer schema by id once (ids are
// immutable, so it is cached forever) and resolves it to the caller's reader schema once per
// (id, reader), so after warm-up a record costs no registry call and no schema parsing.
//
// Errors wrap one of the sentinels so a stream runtime can route them: ErrMalformed,
// ErrUnknownSchema and ErrIncompatible are permanent (dead-letter the record), ErrRegistry is
// transient (retry: the registry is unreachable, answered 5xx, or the context ended).
package serde

import (
	"errors"
	"log/slog"
	"sync"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

var (
	// ErrMalformed: the bytes are not a Confluent Avro record (too short, wrong magic byte, or
	// an Avro body that does not decode with its writer schema, including trailing bytes).
	ErrMalformed = errors.New("malformed record")
	// ErrUnknownSchema: the registry says the schema id does not exist (40403), or, when
	// encoding without AutoRegister, that the schema is not registered under the subject.
	ErrUnknownSchema = errors.New("unknown schema")
	// ErrIncompatible: the writer schema cannot be resolved to the reader schema (or is not an
	// Avro schema this package can read); when encoding with AutoRegister, the registry refused
	// the schema as incompatible (409).
	ErrIncompatible = errors.New("incompatible schema")
	// ErrRegistry: the registry could not answer (unreachable, 5xx, unexpected answer, context
	// ended). Transient: retry rather than dead-letter.
	ErrRegistry = errors.New("schema registry unavailable")
)

// Opt configures a Serde.
type Opt interface{ apply(*Serde) }

type opt func(*Serde)

func (o opt) apply(s *Serde) { o(s) }

// AutoRegister makes Encode register a schema that is not yet registered under the subject,
// as Confluent's serializers do with auto.register.schemas=true. Default off: schemas are
// registered by `novatrek schemas register` and a producer with an unregistered schema fails.
func AutoRegister() Opt { return opt(func(s *Serde) { s.autoRegister = true }) }

// DefaultAPI is the hamba/avro configuration a Serde uses unless AvroAPI says otherwise:
// avro.DefaultConfig's settings (struct tag "avro", as avrogen generates; strings and bytes up
// to 1 MiB) but arrays capped at MaxArrayItems items. hamba's own cap is 2^48 items and it grows
// the slice to the announced size before reading an item, so one garbage record announcing a
// huge array would take the process down with an out-of-memory crash, not a decode error.
var DefaultAPI = avro.Config{MaxSliceAllocSize: MaxArrayItems}.Freeze()

// MaxArrayItems bounds the items of one array in a decoded record (see DefaultAPI).
const MaxArrayItems = 100_000

// AvroAPI sets the hamba/avro configuration used to encode and decode. Default DefaultAPI.
func AvroAPI(api avro.API) Opt { return opt(func(s *Serde) { s.api = api }) }

// Logger sets where registry look-ups are logged (debug level). Default: nowhere.
func Logger(l *slog.Logger) Opt { return opt(func(s *Serde) { s.log = l }) }

// Serde encodes and decodes Confluent-framed Avro. It is safe for concurrent use; share one per
// registry.
type Serde struct {
	client       *sr.Client
	api          avro.API
	autoRegister bool
	log          *slog.Logger

	// Registry calls on cache misses go one at a time (a 1-slot semaphore that honours ctx),
	// so a cold start with many partitions asks for each id once.
	fetching chan struct{}

	mu       sync.RWMutex
	ids      map[encodeKey]int          // (topic, schema) → id
	writers  map[int]avro.Schema        // id → writer schema
	resolved map[resolveKey]*resolution // (id, reader) → resolved schema or permanent error

	readers sync.Pool // *avro.Reader
	writerP sync.Pool // *avro.Writer
}

// Schemas are keyed by identity (pointer): generated types hand out one parsed schema for the
// life of the process. hamba's Fingerprint would not do: it ignores field defaults, and a
// resolution takes its defaults from the reader.
type encodeKey struct {
	topic  string
	schema avro.Schema
}

type resolveKey struct {
	id     int
	reader avro.Schema
}

type resolution struct {
	writer avro.Schema // to validate bodies against
	schema avro.Schema // writer resolved to the reader, to decode with
	err    error
}

// New returns a Serde that asks client's registry for schemas.
func New(client *sr.Client, opts ...Opt) *Serde {
	s := &Serde{
		client:   client,
		api:      DefaultAPI,
		fetching: make(chan struct{}, 1),
		ids:      map[encodeKey]int{},
		writers:  map[int]avro.Schema{},
		resolved: map[resolveKey]*resolution{},
	}
	for _, o := range opts {
		o.apply(s)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.readers.New = func() any { return avro.NewReader(nil, 0, avro.WithReaderConfig(s.api)) }
	s.writerP.New = func() any { return avro.NewWriter(nil, 512, avro.WithWriterConfig(s.api)) }
	return s
}

// Subject is the value subject of topic under Confluent's TopicNameStrategy.
func Subject(topic string) string { return topic + "-value" }
