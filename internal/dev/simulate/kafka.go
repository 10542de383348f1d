package simulate

import (
	"context"
	"fmt"
	"sync"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Encoder encodes a value for a topic in the Confluent wire format (an *serde.Serde).
type Encoder interface {
	Encode(ctx context.Context, topic string, schema avro.Schema, v any) ([]byte, error)
}

// KafkaSink produces events with a kgo client, encoded by an Encoder, keyed by Event.Key.
// Produces are asynchronous (kgo batches and keeps each key's order); the first failure is
// returned by the next Send or by Flush.
type KafkaSink struct {
	cl  *kgo.Client
	enc Encoder

	mu  sync.Mutex
	err error
}

// NewKafkaSink returns a sink producing with cl (the caller closes it) and encoding with enc.
func NewKafkaSink(cl *kgo.Client, enc Encoder) *KafkaSink { return &KafkaSink{cl: cl, enc: enc} }

// Send encodes ev and produces it.
func (k *KafkaSink) Send(ctx context.Context, ev Event) error {
	if err := k.failed(); err != nil {
		return err
	}
	b, err := k.enc.Encode(ctx, ev.Topic, ev.Value.Schema(), ev.Value)
	if err != nil {
		return fmt.Errorf("encode %s: %w", ev.Topic, err)
	}
	k.produce(ctx, &kgo.Record{Topic: ev.Topic, Key: []byte(ev.Key), Value: b})
	return nil
}

// SendAll sends evs in order and waits for every acknowledgement: a fixed set of events
// published at once rather than paced by Run.
func (k *KafkaSink) SendAll(ctx context.Context, evs []Event) error {
	for _, ev := range evs {
		if err := k.Send(ctx, ev); err != nil {
			return err
		}
	}
	return k.Flush(ctx)
}

// produce hands rec to the client, remembering the first failure.
func (k *KafkaSink) produce(ctx context.Context, rec *kgo.Record) {
	// Not ctx: records already handed over are delivered even when the run stops.
	k.cl.Produce(context.WithoutCancel(ctx), rec, func(r *kgo.Record, err error) {
		if err != nil {
			k.mu.Lock()
			if k.err == nil {
				k.err = fmt.Errorf("produce to %s: %w", r.Topic, err)
			}
			k.mu.Unlock()
		}
	})
}

// Flush waits for every produced record's acknowledgement.
func (k *KafkaSink) Flush(ctx context.Context) error {
	if err := k.cl.Flush(ctx); err != nil {
		return err
	}
	return k.failed()
}

func (k *KafkaSink) failed() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.err
}
