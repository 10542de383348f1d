package valkeystream_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/valkey-io/valkey-go"

	"github.com/novatrek/support/internal/platform/valkeystream"
)

// Payloads are binary safe, metadata round-trips, and the received message carries its
// stream entry ID in its context.
func TestBinaryPayloadMetadataAndEntryID(t *testing.T) {
	t.Parallel()
	valkeyURL(t)
	client := newClient(t)
	topic := newTopic(t, client)
	payload := []byte{0, 1, 2, 0xff, '\r', '\n', 0, 'x'}
	sent := message.NewMessage(watermill.NewUUID(), payload)
	sent.Metadata.Set("event_type", "emergency.triggered")
	sent.Metadata.Set("empty", "")
	if err := newPublisher(t, client).Publish(topic, sent); err != nil {
		t.Fatal(err)
	}

	got := receive(t, subscribe(t, newSubscriber(t, valkeystream.SubscriberConfig{Client: client, ConsumerGroup: "g"}), topic))
	defer got.Ack()
	if got.UUID != sent.UUID || !bytes.Equal(got.Payload, payload) {
		t.Fatalf("got %s %v, want %s %v", got.UUID, got.Payload, sent.UUID, payload)
	}
	if len(got.Metadata) != 2 || got.Metadata.Get("event_type") != "emergency.triggered" {
		t.Fatalf("metadata = %v", got.Metadata)
	}
	id, ok := valkeystream.EntryIDFromContext(got.Context())
	if !ok {
		t.Fatal("no entry ID in the message context")
	}
	entries, err := client.Do(context.Background(), client.B().Xrange().Key(topic).Start("-").End("+").Build()).AsXRange()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].ID != id {
		t.Fatalf("entry ID %s, stream has %+v", id, entries)
	}
}

// A subscription whose connections drop (network failure, server restart) keeps going:
// valkey-go reconnects, and the read loop retries.
func TestSubscriptionSurvivesDroppedConnections(t *testing.T) {
	t.Parallel()
	admin := newClient(t)
	opt, err := valkey.ParseURL(valkeyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	opt.DisableCache = true
	opt.ClientName = "valkeystream-test-" + watermill.NewShortUUID()
	client, err := valkey.NewClient(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)

	topic := newTopic(t, admin)
	pub := newPublisher(t, admin)
	ch := subscribe(t, newSubscriber(t, valkeystream.SubscriberConfig{
		Client: client, ConsumerGroup: "g", BlockTime: 50 * time.Millisecond,
	}), topic)

	publish(t, pub, topic, "before")
	receive(t, ch).Ack()
	eventually(t, "the subscription's connections are dropped", func() bool { return killClients(t, admin, opt.ClientName) > 0 })

	publish(t, pub, topic, "after")
	if m := receive(t, ch); string(m.Payload) != "after" {
		t.Fatalf("got %q, want \"after\"", m.Payload)
	} else {
		m.Ack()
	}
}

// A stream deleted under a running subscription (and its group with it) is made again: the
// subscription keeps receiving.
func TestDeletedStreamIsRecreated(t *testing.T) {
	t.Parallel()
	valkeyURL(t)
	client := newClient(t)
	topic := newTopic(t, client)
	pub := newPublisher(t, client)
	ch := subscribe(t, newSubscriber(t, valkeystream.SubscriberConfig{Client: client, ConsumerGroup: "g", BlockTime: 20 * time.Millisecond}), topic)
	publish(t, pub, topic, "one")
	receive(t, ch).Ack()

	if err := client.Do(context.Background(), client.B().Del().Key(topic).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	// Publishing first would make the stream without the group, and the group (StartID "0")
	// would still get the entry; wait for the group instead, to test the NOGROUP path too.
	eventually(t, "the group is recreated", func() bool {
		groups, err := client.Do(context.Background(), client.B().XinfoGroups().Key(topic).Build()).ToArray()
		return err == nil && len(groups) == 1
	})
	publish(t, pub, topic, "two")
	if m := receive(t, ch); string(m.Payload) != "two" {
		t.Fatalf("got %q, want \"two\"", m.Payload)
	}
}

// After Close, Publish and Subscribe fail, and the subscription channels are closed.
func TestClose(t *testing.T) {
	t.Parallel()
	valkeyURL(t)
	client := newClient(t)
	topic := newTopic(t, client)
	pub := newPublisher(t, client)
	sub := newSubscriber(t, valkeystream.SubscriberConfig{Client: client, ConsumerGroup: "g"})
	ch := subscribe(t, sub, topic)
	if err := pub.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-ch; ok {
		t.Fatal("channel still open after Close")
	}
	if err := pub.Publish(topic, message.NewMessage(watermill.NewUUID(), nil)); err != valkeystream.ErrPublisherClosed {
		t.Fatalf("Publish after Close: %v, want ErrPublisherClosed", err)
	}
	if _, err := sub.Subscribe(context.Background(), topic); err != valkeystream.ErrSubscriberClosed {
		t.Fatalf("Subscribe after Close: %v, want ErrSubscriberClosed", err)
	}
	if err := sub.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
