package simulate

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/publish"
)

// PublishSink sends events the way every NovaTrek producer does, through package publish:
// the Publisher picks the topic declared for the event's schema, keys the record by the
// topic's key field and encodes it with a registered schema. Records are then produced
// asynchronously on the publisher's client, so a high rate is not held to one round trip per
// event; the first failure is returned by the next Send or by Flush.
type PublishSink struct {
	pub   *publish.Publisher
	kafka *KafkaSink // the client and its asynchronous error
}

// NewPublishSink returns a sink preparing records with pub and producing them with cl (the
// client pub was made with; the caller closes it).
func NewPublishSink(cl *kgo.Client, pub *publish.Publisher) *PublishSink {
	return &PublishSink{pub: pub, kafka: &KafkaSink{cl: cl}}
}

// Send prepares ev with the publisher and produces it.
func (p *PublishSink) Send(ctx context.Context, ev Event) error {
	if err := p.kafka.failed(); err != nil {
		return err
	}
	rec, err := p.pub.Prepare(ctx, ev.Value)
	if err != nil {
		return err
	}
	if rec.Topic != ev.Topic || string(rec.Key) != ev.Key {
		return fmt.Errorf("simulate: publish routes %T to %s key %q, the simulator meant %s key %q", ev.Value, rec.Topic, rec.Key, ev.Topic, ev.Key)
	}
	p.kafka.produce(ctx, rec)
	return nil
}

// Flush waits for every produced record's acknowledgement.
func (p *PublishSink) Flush(ctx context.Context) error { return p.kafka.Flush(ctx) }
