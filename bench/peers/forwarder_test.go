package peers

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/components/forwarder"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/twmb/franz-go/pkg/kgo"
)

// forwardWatermill is Watermill's outbox as its documentation builds one: messages
// published through the forwarder's envelope publisher into a watermill-sql table (the
// PostgreSQL schema adapter), and the forwarder subscribing to that table and publishing
// each message to Kafka. The Kafka side is a franz-go producer behind Watermill's Publisher
// interface (watermill-kafka's sarama client does not work with the in-process broker; see
// the package doc), so the figure is the SQL side's.
func forwardWatermill(ctx context.Context, w *world, n int) (time.Duration, error) {
	topic := "novatrek.bench.peers.forwarder"
	f, err := newForwarder(w, topic, "peers_forwarder")
	if err != nil {
		return 0, err
	}
	defer f.close()
	for first := 0; first < n; first += 1000 {
		msgs := make([]*message.Message, min(1000, n-first))
		for i := range msgs {
			msgs[i] = message.NewMessage(watermill.NewUUID(), outboxValue)
			msgs[i].Metadata.Set("key", "agg-"+strconv.Itoa((first+i)%1000))
		}
		if err := f.in.Publish(topic, msgs...); err != nil {
			return 0, err
		}
	}
	return timed(ctx, f.fwd.Run, func(failed <-chan error) error {
		for records(ctx, w, topic) < int64(n) {
			select {
			case err := <-failed:
				return fmt.Errorf("forwarder stopped with %d of %d records: %w", records(ctx, w, topic), n, err)
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
		return nil
	})
}

// watermillOutbox is a forwarder set up on its own envelope table, publishing to topic.
type watermillOutbox struct {
	in    message.Publisher
	fwd   *forwarder.Forwarder
	close func()
}

// newForwarder builds the envelope publisher into the watermill-sql table envelopes and
// the forwarder that moves its messages to Kafka, with Watermill's defaults.
func newForwarder(w *world, topic, envelopes string) (*watermillOutbox, error) {
	w.kafka.CreateTopics(w.b, partitions, topic)
	db := stdlib.OpenDBFromPool(w.pool)
	logger := watermill.NopLogger{}
	pub, err := wsql.NewPublisher(wsql.BeginnerFromStdSQL(db), wsql.PublisherConfig{SchemaAdapter: wsql.DefaultPostgreSQLSchema{}, AutoInitializeSchema: true}, logger)
	if err != nil {
		return nil, err
	}
	sub, err := wsql.NewSubscriber(wsql.BeginnerFromStdSQL(db), wsql.SubscriberConfig{SchemaAdapter: wsql.DefaultPostgreSQLSchema{},
		OffsetsAdapter: wsql.DefaultPostgreSQLOffsetsAdapter{}, InitializeSchema: true, ConsumerGroup: "peers"}, logger)
	if err != nil {
		return nil, err
	}
	out := kafkaPublisher{kgoClient(w)}
	fwd, err := forwarder.NewForwarder(sub, out, logger, forwarder.Config{ForwarderTopic: envelopes})
	if err != nil {
		return nil, err
	}
	return &watermillOutbox{in: forwarder.NewPublisher(pub, forwarder.PublisherConfig{ForwarderTopic: envelopes}), fwd: fwd,
		close: func() { out.cl.Close(); _ = db.Close() }}, nil
}

func kgoClient(w *world) *kgo.Client {
	cl, err := kgo.NewClient(kgo.SeedBrokers(w.brokers...), kgo.ProducerLinger(0))
	if err != nil {
		w.b.Fatal(err)
	}
	return cl
}

// kafkaPublisher is Watermill's Publisher over a franz-go producer: each message one record,
// produced synchronously, keyed by its "key" metadata.
type kafkaPublisher struct{ cl *kgo.Client }

func (p kafkaPublisher) Publish(topic string, msgs ...*message.Message) error {
	recs := make([]*kgo.Record, len(msgs))
	for i, m := range msgs {
		recs[i] = &kgo.Record{Topic: topic, Key: []byte(m.Metadata.Get("key")), Value: m.Payload}
	}
	return p.cl.ProduceSync(context.Background(), recs...).FirstErr()
}

func (p kafkaPublisher) Close() error { return nil }
