package valkeystream_test

import (
	"fmt"
	"testing"

	"github.com/novatrek/support/internal/platform/valkeystream"
)

// The priority lane: emergencies go to their own topic with their own subscription. Even when
// the routine stream has a large backlog and its handler is stuck, the emergency subscription
// of the same Subscriber (same client, same group name) receives at once, because every
// subscription is its own consumer, goroutine and blocking read.
func TestPriorityLaneIsNotDelayedByRoutineBacklog(t *testing.T) {
	t.Parallel()
	valkeyURL(t)
	client := newClient(t)
	routine, emergency := newTopic(t, client), newTopic(t, client)
	pub := newPublisher(t, client)
	sub := newSubscriber(t, valkeystream.SubscriberConfig{Client: client, ConsumerGroup: "svc-notifications"})
	if err := sub.SubscribeInitialize(routine); err != nil {
		t.Fatal(err)
	}

	const backlog = 2000
	payloads := make([]string, backlog)
	for i := range payloads {
		payloads[i] = fmt.Sprintf("routine %d", i)
	}
	publish(t, pub, routine, payloads...)

	routineCh := subscribe(t, sub, routine)
	stuck := receive(t, routineCh) // the routine handler takes one and hangs on it
	emergencyCh := subscribe(t, sub, emergency)

	alert := publish(t, pub, emergency, "evacuate")[0]
	got := receive(t, emergencyCh)
	if got.UUID != alert.UUID {
		t.Fatalf("emergency lane got %s, want %s", got.UUID, alert.UUID)
	}
	got.Ack()

	// The routine lane is still stuck on its first message, its backlog untouched.
	if n := len(pending(t, client, routine, "svc-notifications")); n > int(valkeystream.DefaultReadCount) {
		t.Fatalf("routine lane has %d pending entries, want at most one read batch", n)
	}
	select {
	case m := <-routineCh:
		t.Fatalf("routine lane delivered %s before its first message was acknowledged", m.UUID)
	default:
	}
	stuck.Ack()
	if next := receive(t, routineCh); string(next.Payload) != "routine 1" {
		t.Fatalf("routine lane resumed with %q, want \"routine 1\"", next.Payload)
	}
}
