package stream

import (
	"context"
	"fmt"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/schemas"
)

// Message is satisfied by a pointer to a type generated from an event schema: it knows its
// reader schema and carries the shared metadata (for the event id the inbox dedupes on).
type Message[T any] interface {
	*T
	Schema() avro.Schema
	EventMeta() schemas.EventMetadata
}

// Event is one decoded record handed to a handler.
type Event[T any] struct {
	Topic     string
	Partition int32
	Offset    int64
	// Key is the record key: the aggregate id as UTF-8.
	Key []byte
	// Headers are the record headers (trace context travels here).
	Headers   []kgo.RecordHeader
	Timestamp time.Time
	// Meta is Value's metadata: event id, type, occurred-at, producer, correlation and
	// causation ids.
	Meta schemas.EventMetadata
	// Value is the record value, decoded from the writer's schema into T's.
	Value T
	// Replay is true when the partition was rewound (stream.Rewind, `novatrek groups
	// reset`) from beyond this record: the group applied it before (unless it was
	// dead-lettered then or skipped by a forward move). A handler rebuilding its tables
	// writes them as usual, but may leave out side effects that must not happen twice,
	// such as output events asking for a notification to a person: downstream already
	// has them. Always false for a group never rewound.
	Replay bool
}

// Route binds one topic to a handler. Build it with Handle, HandleBatch or CopyBatch.
type Route struct {
	topic       string
	impl        func() decodedBatch
	copy        *copyTarget // CopyBatch's projection; nil for a handler route
	maxAttempts int         // 0: Config.MaxAttempts
}

// Topic returns the topic the route consumes.
func (r Route) Topic() string { return r.topic }

// WithMaxAttempts overrides Config.MaxAttempts for this topic: a handler calling a slow
// provider may want fewer tries of an unexplained failure than a projection.
func (r Route) WithMaxAttempts(n int) Route {
	if n < 1 {
		n = -1 // refused by Config's validation, naming the topic
	}
	r.maxAttempts = n
	return r
}

// Handle routes topic to fn, called once per new event (duplicates are filtered out by the
// inbox before) inside the batch's transaction. fn's context carries the event's lineage
// (event.CausedBy), so what fn emits through an outbox.Emitter is caused by it. Write through tx only
// (or through Deferred(ctx, tx), which sends the writes with the next round trip): a returned error
// rolls the whole batch back. Use Permanent and Transient to say how an error should be
// treated; see Config.MaxAttempts for errors that say neither.
//
// The reader schema is T's: records written with an older or newer compatible schema are
// resolved to it.
func Handle[T any, P Message[T]](topic string, fn func(ctx context.Context, tx pgx.Tx, ev Event[T]) error) Route {
	reader := P(new(T)).Schema()
	return Route{topic: topic, impl: func() decodedBatch {
		return &typedBatch[T, P]{reader: reader, one: fn}
	}}
}

// HandleBatch routes topic to fn, called once per transaction with the batch's new events
// in partition order (never empty). It is the fast path for projections: one statement
// (unnest or COPY) for many rows. When fn fails permanently, the runtime splits the batch
// and calls fn on the halves until the failing event is isolated, so fn must treat any
// sub-slice on its own.
func HandleBatch[T any, P Message[T]](topic string, fn func(ctx context.Context, tx pgx.Tx, evs []Event[T]) error) Route {
	reader := P(new(T)).Schema()
	return Route{topic: topic, impl: func() decodedBatch {
		return &typedBatch[T, P]{reader: reader, many: fn}
	}}
}

// decodedBatch holds the decoded records of one partition batch. A partition worker owns one
// and reuses it, so decoding allocates only what the values themselves need.
type decodedBatch interface {
	// reset prepares room for n records.
	reset(n int)
	// decode decodes rec into slot i and returns the event id from its metadata.
	decode(ctx context.Context, d Decoder, i int, rec *kgo.Record) (eventID string, err error)
	// handle calls the handler for the slots in sel (ascending), marking the events at
	// offsets below replayUntil as replays; intercept (if not nil) runs before each event.
	// What a handler defers goes to pipe, sent before the next event's handler (the last
	// event's are left for the commit).
	handle(ctx context.Context, tx pgx.Tx, sel []int, replayUntil int64, intercept Intercept, pipe *pipeline) error
	// rows builds CopyBatch rows for the slots in sel (ascending) into dst; see
	// typedBatch.rows.
	rows(ctx context.Context, sel []int, replayUntil int64, intercept Intercept, dst [][]any) ([][]any, error)
	// occurredAt returns when slot i's event occurred: its metadata's occurred_at, or the
	// record timestamp when the producer left it unset (the Avro zero, 1970).
	occurredAt(i int) time.Time
}

type typedBatch[T any, P Message[T]] struct {
	reader  avro.Schema
	one     func(context.Context, pgx.Tx, Event[T]) error
	many    func(context.Context, pgx.Tx, []Event[T]) error
	row     func(*Event[T]) ([]any, error) // CopyBatch's
	columns int                            // how many values row gives
	events  []Event[T]
	scratch []Event[T]
}

func (b *typedBatch[T, P]) reset(n int) {
	clear(b.events) // drop references to the previous batch's values
	if cap(b.events) < n {
		b.events = make([]Event[T], n)
	}
	b.events = b.events[:n]
}

func (b *typedBatch[T, P]) decode(ctx context.Context, d Decoder, i int, rec *kgo.Record) (string, error) {
	ev := &b.events[i]
	var zero T
	ev.Value = zero
	if err := d.Decode(ctx, rec.Value, b.reader, &ev.Value); err != nil {
		return "", err
	}
	ev.Topic, ev.Partition, ev.Offset = rec.Topic, rec.Partition, rec.Offset
	ev.Key, ev.Headers, ev.Timestamp = rec.Key, rec.Headers, rec.Timestamp
	ev.Meta = P(&ev.Value).EventMeta()
	return ev.Meta.EventID, nil
}

func (b *typedBatch[T, P]) occurredAt(i int) time.Time {
	ev := &b.events[i]
	if at := ev.Meta.OccurredAt; at.Year() >= 2000 {
		return at
	}
	return ev.Timestamp
}

func (b *typedBatch[T, P]) handle(ctx context.Context, tx pgx.Tx, sel []int, replayUntil int64, intercept Intercept, pipe *pipeline) error {
	for _, i := range sel {
		b.events[i].Replay = b.events[i].Offset < replayUntil
	}
	if b.one != nil {
		for _, i := range sel {
			ev := b.events[i]
			if err := pipe.flush(ctx); err != nil {
				return err // names the previous event
			}
			ectx := pipe.with(event.With(ctx, event.CausedBy(ev.Meta, ev.Headers...)), i, ev.Offset)
			err := guard(func() error {
				if intercept != nil {
					if err := intercept(ectx, ev.Topic, ev.Meta); err != nil {
						return err
					}
				}
				return b.one(ectx, tx, ev)
			})
			if err != nil {
				return &eventError{index: i, offset: ev.Offset, err: err}
			}
		}
		return nil
	}
	b.scratch = b.scratch[:0]
	for _, i := range sel {
		b.scratch = append(b.scratch, b.events[i])
	}
	err := guard(func() error {
		if intercept != nil {
			for j, i := range sel {
				if err := intercept(ctx, b.scratch[j].Topic, b.scratch[j].Meta); err != nil {
					return &eventError{index: i, offset: b.scratch[j].Offset, err: err}
				}
			}
		}
		return b.many(pipe.with(ctx, -1, 0), tx, b.scratch)
	})
	clear(b.scratch)
	return err
}

// eventError says which slot of a batch a per-event handler failed on, so a permanent
// failure is isolated in one step instead of by bisection.
type eventError struct {
	index  int
	offset int64
	err    error
}

func (e *eventError) Error() string { return fmt.Sprintf("event at offset %d: %v", e.offset, e.err) }
func (e *eventError) Unwrap() error { return e.err }
