package valkeystream_test

import (
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"

	"github.com/novatrek/support/internal/platform/valkeystream"
)

// suiteConfig is quick to reclaim, so that the suite's tests that close a subscriber holding
// messages (and expect another to get them) finish in seconds.
func suiteConfig(client valkeystream.SubscriberConfig) valkeystream.SubscriberConfig {
	client.BlockTime = 100 * time.Millisecond
	client.ClaimInterval = 200 * time.Millisecond
	client.ClaimMinIdle = time.Second
	client.ConsumerIdleTimeout = time.Minute
	return client
}

func newPubSub(t *testing.T, group string) (message.Publisher, message.Subscriber) {
	t.Helper()
	client := newClient(t)
	logger := watermill.NopLogger{}
	pub, err := valkeystream.NewPublisher(valkeystream.PublisherConfig{Client: client}, logger)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := valkeystream.NewSubscriber(suiteConfig(valkeystream.SubscriberConfig{
		Client:        client,
		ConsumerGroup: group,
	}), logger)
	if err != nil {
		t.Fatal(err)
	}
	return pub, sub
}

// suiteFeatures are what this Pub/Sub guarantees, as Watermill's suite understands them:
//   - ConsumerGroups: subscribers of one group share the entries; every group gets them all.
//   - ExactlyOnceDelivery false: delivery is at least once (a reclaim after a consumer died
//     or closed before its XACK hands the entry out again).
//   - GuaranteedOrder with GuaranteedOrderWithSingleSubscriber: one subscription delivers in
//     stream order and waits for each Ack; competing consumers and reclaims reorder.
//   - Persistent: entries live in the server, not in the process.
//   - NewSubscriberReceivesOldMessages false here, because createPubSub gives every subscriber
//     the same group (so the suite exercises competing consumers and reclaiming);
//     TestNewGroupReceivesOldMessages runs that test with a new group per subscriber.
//   - No RestartServiceCommand: the suite would restart a server other tests share.
//     TestSubscriptionSurvivesDroppedConnections covers reconnecting.
func suiteFeatures() tests.Features {
	return tests.Features{
		ConsumerGroups:                      true,
		ExactlyOnceDelivery:                 false,
		GuaranteedOrder:                     true,
		GuaranteedOrderWithSingleSubscriber: true,
		Persistent:                          true,
		NewSubscriberReceivesOldMessages:    false,
		GenerateTopicFunc: func(tctx tests.TestContext) string {
			return runPrefix + string(tctx.TestID)
		},
	}
}

func TestPubSub(t *testing.T) {
	valkeyURL(t)
	tests.TestPubSub(t, suiteFeatures(),
		func(t *testing.T) (message.Publisher, message.Subscriber) { return newPubSub(t, "test") },
		newPubSub,
	)
}

// TestNewGroupReceivesOldMessages runs the suite's test for subscribers that start after
// messages were consumed, each in a new consumer group: a new group starts at StartID "0" and
// gets every entry still in the stream.
func TestNewGroupReceivesOldMessages(t *testing.T) {
	t.Parallel()
	valkeyURL(t)
	features := suiteFeatures()
	features.NewSubscriberReceivesOldMessages = true
	tests.TestNewSubscriberReceivesOldMessages(t, tests.TestContext{TestID: tests.NewTestID(), Features: features},
		func(t *testing.T) (message.Publisher, message.Subscriber) {
			return newPubSub(t, "group-"+watermill.NewShortUUID())
		})
}
