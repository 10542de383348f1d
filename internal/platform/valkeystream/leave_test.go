package valkeystream_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/novatrek/support/internal/platform/valkeystream"
)

// TestRestartsLeaveOnlyLiveConsumers: ten workers in a row each finish what the previous one
// handed back, acknowledge one new job, hold another unacknowledged and close. Each one's name leaves the group as it closes,
// its unacknowledged jobs go to the next worker, and the group lists the live consumer only;
// at the end every job was acknowledged and nothing is pending or left in the group.
func TestRestartsLeaveOnlyLiveConsumers(t *testing.T) {
	t.Parallel()
	valkeyURL(t)
	client := newClient(t)
	topic, group := newTopic(t, client), "workers"
	const jobs = 30
	payloads := make([]string, jobs)
	for i := range payloads {
		payloads[i] = fmt.Sprint("job-", i)
	}
	sent := publish(t, newPublisher(t, client), topic, payloads...)
	acked := map[string]bool{}
	ack := func(m *message.Message) {
		m.Ack()
		acked[m.UUID] = true
	}
	// Two entries per read: each worker acknowledges one new job and holds the other.
	cfg := valkeystream.SubscriberConfig{Client: client, ConsumerGroup: group, ReadCount: 2}

	handedBack := 0
	for round := range 10 {
		sub := newSubscriber(t, withConsumer(cfg, fmt.Sprint("worker-", round)))
		ch := subscribe(t, sub, topic)
		for range handedBack { // the claim round at start takes over what was handed back
			ack(receive(t, ch))
		}
		fresh := receive(t, ch) // read after that claim round, which removed the hand-back name
		live := fmt.Sprintf("worker-%d-1", round)
		if got := consumers(t, client, topic, group); !slices.Equal(got, []string{live}) {
			t.Fatalf("round %d: consumers %q; want only the live %s", round, got, live)
		}
		ack(fresh)
		receive(t, ch) // held, never acknowledged
		if err := sub.Close(); err != nil {
			t.Fatal(err)
		}
		if got := consumers(t, client, topic, group); !slices.Equal(got, []string{valkeystream.HandBackConsumer}) {
			t.Fatalf("round %d: after Close consumers %q; want only %s holding the unacknowledged job", round, got, valkeystream.HandBackConsumer)
		}
		p := pending(t, client, topic, group)
		for _, e := range p {
			if e.consumer != valkeystream.HandBackConsumer {
				t.Fatalf("round %d: entry %s pending for %s after Close; want it handed back", round, e.id, e.consumer)
			}
		}
		handedBack = len(p)
	}

	last := newSubscriber(t, withConsumer(cfg, "last"))
	ch := subscribe(t, last, topic)
	for len(acked) < jobs {
		ack(receive(t, ch))
	}
	if err := last.Close(); err != nil {
		t.Fatal(err)
	}
	for _, m := range sent {
		if !acked[m.UUID] {
			t.Errorf("job %s was never acknowledged", m.UUID)
		}
	}
	if p := pending(t, client, topic, group); len(p) != 0 {
		t.Errorf("pending after every job was acknowledged: %+v", p)
	}
	if got := consumers(t, client, topic, group); len(got) != 0 {
		t.Errorf("consumers after the last worker closed: %q; want none", got)
	}
}
