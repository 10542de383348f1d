package outbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hamba/avro/v2"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// Enqueuer writes messages inside the caller's transaction of type Tx: an engine's outbox
// (*pgoutbox.Outbox is an Enqueuer[pgoutbox.Execer]).
type Enqueuer[Tx any] interface {
	Enqueue(ctx context.Context, tx Tx, msgs ...Message) error
}

// EmitterConfig configures an Emitter.
type EmitterConfig[Tx any] struct {
	// Producer is the emitting service, as topics.yaml names it. Required.
	Producer string
	// Topics are the topics it may emit to; topics.yaml must list Producer as a producer of
	// each. Required.
	Topics []string
	// Topology is topics.yaml. Required.
	Topology *topology.Topology
	// Encoder encodes values with the topic's registered schema. Required.
	Encoder Encoder
	// Outbox receives the encoded messages. Required.
	Outbox Enqueuer[Tx]
	// Now stamps occurred_at when an event gives none; default time.Now.
	Now func() time.Time
}

// Emitter is a service's one way to publish an event: it stamps the metadata (package event's
// rules), finds the topic by the event's schema among the service's declared topics and the key
// by the topic's key field, encodes with the registered schema now (a schema problem fails the
// handler's transaction, not the relay later) and enqueues inside the caller's transaction.
// Safe for concurrent use.
type Emitter[Tx any] struct {
	cfg      EmitterConfig[Tx]
	bySchema map[string]topology.Topic // full name of the value schema → topic
}

// NewEmitter checks cfg against topics.yaml: every topic declared, carrying events, keyed, with
// Producer among its producers, and no two topics sharing a value schema (the event's schema
// alone must say where it goes).
func NewEmitter[Tx any](cfg EmitterConfig[Tx]) (*Emitter[Tx], error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var errs []error
	switch {
	case cfg.Producer == "":
		errs = append(errs, errors.New("Producer is required"))
	case cfg.Topology == nil:
		errs = append(errs, errors.New("Topology is required"))
	case cfg.Encoder == nil:
		errs = append(errs, errors.New("Encoder is required"))
	case cfg.Outbox == nil:
		errs = append(errs, errors.New("Outbox is required"))
	case len(cfg.Topics) == 0:
		errs = append(errs, errors.New("at least one topic is required"))
	}
	if errs != nil {
		return nil, fmt.Errorf("outbox: emitter: %w", errors.Join(errs...))
	}
	e := &Emitter[Tx]{cfg: cfg, bySchema: map[string]topology.Topic{}}
	for _, name := range cfg.Topics {
		t, ok := cfg.Topology.Topic(name)
		if !ok {
			errs = append(errs, fmt.Errorf("topic %s is not in topics.yaml", name))
			continue
		}
		if !slices.Contains(t.Producers, cfg.Producer) {
			errs = append(errs, fmt.Errorf("%s is not a producer of %s in topics.yaml", cfg.Producer, name))
		}
		ev, ok := schemas.New(t.ValueSchema)
		if !ok || t.Key == "" {
			errs = append(errs, fmt.Errorf("topic %s has no event value schema or no key field", name))
			continue
		}
		full := fullName(ev.Schema())
		if other, dup := e.bySchema[full]; dup {
			errs = append(errs, fmt.Errorf("topics %s and %s both carry %s", other.Name, name, full))
		}
		e.bySchema[full] = t
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("outbox: emitter for %s: %w", cfg.Producer, err)
	}
	return e, nil
}

// EmitOption sets what the producer knows better than the defaults.
type EmitOption func(*emitOptions)

type emitOptions struct {
	meta    event.Meta
	lineage bool
	key     string
}

// ID sets the event id: one the producer derives (uuid.NewSHA1 of its cause), so a retried or
// replayed handler enqueues the same event and the consumers' inbox drops the copy.
func ID(id string) EmitOption { return func(o *emitOptions) { o.meta.ID = id } }

// At sets occurred_at (default: the Emitter's Now).
func At(t time.Time) EmitOption { return func(o *emitOptions) { o.meta.OccurredAt = t } }

// Lineage sets the lineage instead of the context's (event.From): for batch handlers, whose
// context carries no single cause, and for producers deriving their own.
func Lineage(l event.Lineage) EmitOption {
	return func(o *emitOptions) { o.meta.Lineage, o.lineage = l, true }
}

// Key sets the record key instead of the topic's key field.
func Key(k string) EmitOption { return func(o *emitOptions) { o.key = k } }

// Prepare stamps ev (in place) and returns its encoded message without enqueueing it, for
// handlers that enqueue a batch's messages in one statement.
func (e *Emitter[Tx]) Prepare(ctx context.Context, ev schemas.Event, opts ...EmitOption) (Message, error) {
	t, ok := e.bySchema[fullName(ev.Schema())]
	if !ok {
		return Message{}, fmt.Errorf("outbox: %s does not emit %T: no topic of %v carries it", e.cfg.Producer, ev, e.cfg.Topics)
	}
	var o emitOptions
	for _, opt := range opts {
		opt(&o)
	}
	if !o.lineage {
		o.meta.Lineage, _ = event.From(ctx)
	}
	o.meta.Producer = e.cfg.Producer
	ev.SetEventMeta(o.meta.Build(t, e.cfg.Now()))
	if o.key == "" {
		k, err := event.Key(ev, t.Key)
		if err != nil {
			return Message{}, fmt.Errorf("outbox: %s: %w", t.Name, err)
		}
		o.key = k
	}
	var headers []Header
	if tp := o.meta.Traceparent; tp != "" {
		headers = append(headers, Header{Key: event.TraceparentHeader, Value: []byte(tp)})
	}
	return Encode(ctx, e.cfg.Encoder, t.Name, o.key, ev.Schema(), ev, headers...)
}

// Emit stamps ev, encodes it and enqueues it inside tx (see Emitter).
func (e *Emitter[Tx]) Emit(ctx context.Context, tx Tx, ev schemas.Event, opts ...EmitOption) error {
	msg, err := e.Prepare(ctx, ev, opts...)
	if err != nil {
		return err
	}
	if err := e.cfg.Outbox.Enqueue(ctx, tx, msg); err != nil {
		return fmt.Errorf("outbox: enqueue %s: %w", msg.Topic, err)
	}
	return nil
}

func fullName(s avro.Schema) string {
	if n, ok := s.(avro.NamedSchema); ok {
		return n.FullName()
	}
	return s.String()
}
