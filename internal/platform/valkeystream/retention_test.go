package valkeystream_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/novatrek/support/internal/platform/valkeystream"
)

// With DeleteOnAck an acknowledged entry leaves the stream; without it, it stays (other groups
// and new groups still read it).
func TestDeleteOnAck(t *testing.T) {
	t.Parallel()
	valkeyURL(t)
	for _, del := range []bool{true, false} {
		t.Run(fmt.Sprintf("DeleteOnAck=%v", del), func(t *testing.T) {
			t.Parallel()
			client := newClient(t)
			topic := newTopic(t, client)
			publish(t, newPublisher(t, client), topic, "a", "b")
			ch := subscribe(t, newSubscriber(t, valkeystream.SubscriberConfig{Client: client, ConsumerGroup: "g", DeleteOnAck: del}), topic)
			receive(t, ch).Ack()
			receive(t, ch).Ack()
			want := int64(2)
			if del {
				want = 0
			}
			eventually(t, "both entries are acknowledged", func() bool { return len(pending(t, client, topic, "g")) == 0 })
			if got := xlen(t, client, topic); got != want {
				t.Fatalf("XLEN = %d, want %d", got, want)
			}
		})
	}
}

// PublisherConfig.MaxLen keeps a stream near its cap (XADD MAXLEN ~): trimming works in
// whole internal nodes (100 entries by default), so it may keep somewhat more.
func TestMaxLenTrimsTheStream(t *testing.T) {
	t.Parallel()
	valkeyURL(t)
	client := newClient(t)
	topic := newTopic(t, client)
	pub, err := valkeystream.NewPublisher(valkeystream.PublisherConfig{Client: client, MaxLen: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		msgs := make([]*message.Message, 100)
		for j := range msgs {
			msgs[j] = message.NewMessage(watermill.NewUUID(), []byte(fmt.Sprint(i*100+j)))
		}
		if err := pub.Publish(topic, msgs...); err != nil {
			t.Fatal(err)
		}
	}
	if n := xlen(t, client, topic); n < 100 || n > 200 {
		t.Fatalf("XLEN = %d after 1000 entries with MaxLen 100, want 100..200", n)
	}
}

// An entry no Watermill publisher wrote cannot become a message: it is logged, acknowledged
// (so it is not reclaimed forever) and left in the stream for inspection; the entries after it
// flow on.
func TestUndecodableEntryDoesNotBlockTheStream(t *testing.T) {
	t.Parallel()
	valkeyURL(t)
	client := newClient(t)
	topic := newTopic(t, client)
	sub := newSubscriber(t, valkeystream.SubscriberConfig{Client: client, ConsumerGroup: "g"})
	if err := sub.SubscribeInitialize(topic); err != nil {
		t.Fatal(err)
	}
	if err := client.Do(context.Background(), client.B().Xadd().Key(topic).Id("*").FieldValue().FieldValue("foo", "bar").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	good := publish(t, newPublisher(t, client), topic, "good")[0]

	got := receive(t, subscribe(t, sub, topic))
	if got.UUID != good.UUID {
		t.Fatalf("got %s, want %s", got.UUID, good.UUID)
	}
	got.Ack()
	eventually(t, "nothing pending", func() bool { return len(pending(t, client, topic, "g")) == 0 })
	if n := xlen(t, client, topic); n != 2 {
		t.Fatalf("XLEN = %d, want 2 (the undecodable entry is kept)", n)
	}
}
