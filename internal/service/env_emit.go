package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/novatrek/support/internal/store"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
	"github.com/novatrek/support/schemas"
)

// Emitter publishes an event through the service's outbox inside the caller's transaction.
// The event carries its metadata already (the caller builds it, as services do today); the
// typed outbox Emitter of issue 12's WP3, which stamps it, replaces this adapter.
type Emitter interface {
	Emit(ctx context.Context, tx store.Execer, topic, key string, ev schemas.Event) error
}

// outboxEmitter is today's outbox.Encode + pgoutbox Enqueue behind Emitter.
type outboxEmitter struct {
	outbox   *pgoutbox.Outbox
	enc      outbox.Encoder
	producer string
	produces []string
}

// NewEmitter returns the Emitter of producer writing to schema's outbox and refusing topics
// outside produces.
func NewEmitter(producer, schema string, enc outbox.Encoder, produces []string) (Emitter, error) {
	ob, err := pgoutbox.New(schema)
	if err != nil {
		return nil, err
	}
	return &outboxEmitter{outbox: ob, enc: enc, producer: producer, produces: produces}, nil
}

func (e *outboxEmitter) Emit(ctx context.Context, tx store.Execer, topic, key string, ev schemas.Event) error {
	if !slices.Contains(e.produces, topic) {
		return fmt.Errorf("%s does not produce to %s (add it to the Spec's Produces and to topics.yaml)", e.producer, topic)
	}
	msg, err := outbox.Encode(ctx, e.enc, topic, key, ev.Schema(), ev)
	if err != nil {
		return err
	}
	return e.outbox.Enqueue(ctx, tx, msg)
}
