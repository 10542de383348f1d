package peers

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wkafka "github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v3/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/components/forwarder"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5/stdlib"
)

// forwardWatermill is Watermill's outbox as its documentation builds one: messages
// published through the forwarder's envelope publisher into a watermill-sql table (the
// PostgreSQL schema adapter), and the forwarder subscribing to that table and publishing
// each message to Kafka through watermill-kafka's publisher (a sarama sync producer, keyed
// by the "key" metadata).
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
	return timed(ctx, f.run, func(failed <-chan error) error {
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
	in message.Publisher
	// run runs the forwarder, failing with the first error any of its parts logs.
	run   func(context.Context) error
	close func()
}

// newForwarder builds the envelope publisher into the watermill-sql table envelopes and
// the forwarder that moves its messages to Kafka, with Watermill's defaults.
func newForwarder(w *world, topic, envelopes string) (*watermillOutbox, error) {
	w.kafka.CreateTopics(w.b, partitions, topic)
	db := stdlib.OpenDBFromPool(w.pool)
	logger := errorLogger{make(chan error, 1)}
	// The tables are created once, up front: watermill-sql v3 publisher's auto-initialize and
	// the subscriber's initialize race on PostgreSQL's catalog when both run at the start.
	pub, err := wsql.NewPublisher(db, wsql.PublisherConfig{SchemaAdapter: wsql.DefaultPostgreSQLSchema{}}, logger)
	if err != nil {
		return nil, err
	}
	sub, err := wsql.NewSubscriber(db, wsql.SubscriberConfig{SchemaAdapter: wsql.DefaultPostgreSQLSchema{},
		OffsetsAdapter: wsql.DefaultPostgreSQLOffsetsAdapter{}, ConsumerGroup: "peers"}, logger)
	if err != nil {
		return nil, err
	}
	if err := sub.SubscribeInitialize(envelopes); err != nil {
		return nil, err
	}
	out, err := wkafka.NewPublisher(wkafka.PublisherConfig{Brokers: w.brokers, Marshaler: wkafka.NewWithPartitioningMarshaler(
		func(_ string, m *message.Message) (string, error) { return m.Metadata.Get("key"), nil })}, logger)
	if err != nil {
		return nil, err
	}
	fwd, err := forwarder.NewForwarder(sub, out, logger, forwarder.Config{ForwarderTopic: envelopes})
	if err != nil {
		return nil, err
	}
	return &watermillOutbox{in: forwarder.NewPublisher(pub, forwarder.PublisherConfig{ForwarderTopic: envelopes}), run: logger.guard(fwd.Run),
		close: func() { _ = out.Close(); _ = db.Close() }}, nil
}
