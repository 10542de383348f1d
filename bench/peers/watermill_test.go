package peers

import (
	"context"
	"errors"
	"time"

	"github.com/IBM/sarama"
	wkafka "github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"
)

// replayWatermill is the replay as Watermill's documentation builds a consumer: a
// watermill-kafka subscriber in a consumer group, a router, and a handler that decodes the
// message and writes its row in a pgx transaction of its own, one per message. The
// subscriber hands a partition's next message over only after the handler acks the last
// one, so it runs one transaction at a time per partition; its offsets are marked on ack and
// committed to Kafka by sarama every second.
func replayWatermill(ctx context.Context, w *world, group string) (time.Duration, error) {
	logged := errorLogger{make(chan error, 1)}
	sub, err := wkafka.NewSubscriber(wkafka.SubscriberConfig{
		Brokers:               w.brokers,
		Unmarshaler:           wkafka.DefaultMarshaler{},
		OverwriteSaramaConfig: saramaConfig(),
		ConsumerGroup:         group,
	}, logged)
	if err != nil {
		return 0, err
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 30 * time.Second}, logged)
	if err != nil {
		return 0, err
	}
	router.AddNoPublisherHandler("project", topic, sub, func(msg *message.Message) error {
		ctx := msg.Context()
		v, err := w.decode(ctx, msg.Payload)
		if err != nil {
			return err
		}
		return pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error { return writeRows(ctx, tx, [][]any{row(v)}) })
	})
	d, err := w.run(ctx, logged.guard(router.Run))
	// Close waits for the handlers and the consumer group to leave, so the next contender
	// does not share the machine with a departing one.
	return d, errors.Join(err, router.Close())
}

// saramaConfig is watermill-kafka's default subscriber configuration, reading the topic
// from its start (a replay).
//
// It keeps Watermill's protocol version, Kafka 1.0, which Apache Kafka 4.4 still serves.
// From 2.4 on, sarama 1.43 asks for offsets with OffsetFetch v6+, whose committed metadata
// it decodes as a non-nullable string although the protocol declares it nullable: Apache
// Kafka answers a partition without a committed offset with "", kfake with null, and there
// every group session ends in "kafka: error decoding packet: invalid byteslice length"
// (sarama 1.61 reads it as nullable; watermill-kafka v3.0.6 requires 1.43).
func saramaConfig() *sarama.Config {
	c := wkafka.DefaultSaramaSubscriberConfig()
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	return c
}
