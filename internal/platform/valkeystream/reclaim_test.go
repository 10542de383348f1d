package valkeystream_test

import (
	"slices"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/valkeystream"
)

// fastClaims makes reclaiming quick enough for tests.
func fastClaims(cfg valkeystream.SubscriberConfig) valkeystream.SubscriberConfig {
	cfg.BlockTime = 20 * time.Millisecond
	cfg.ClaimInterval = 20 * time.Millisecond
	cfg.ClaimMinIdle = 150 * time.Millisecond
	cfg.ConsumerIdleTimeout = time.Minute
	return cfg
}

// A worker that dies holding a job (no Ack) loses it to another consumer of its group, which
// handles and acknowledges it: nothing stays pending.
func TestDeadWorkersJobGoesToAnotherConsumer(t *testing.T) {
	t.Parallel()
	valkeyURL(t)
	client := newClient(t)
	topic, group := newTopic(t, client), "workers"
	pub := newPublisher(t, client)

	dying := newSubscriber(t, fastClaims(valkeystream.SubscriberConfig{Client: newClient(t), ConsumerGroup: group}))
	sent := publish(t, pub, topic, "job")[0]
	got := receive(t, subscribe(t, dying, topic))
	if got.UUID != sent.UUID {
		t.Fatalf("dying worker got %s, want %s", got.UUID, sent.UUID)
	}
	if err := dying.Close(); err != nil { // dies without acknowledging
		t.Fatal(err)
	}

	survivor := newSubscriber(t, fastClaims(valkeystream.SubscriberConfig{Client: newClient(t), ConsumerGroup: group}))
	again := receive(t, subscribe(t, survivor, topic))
	if again.UUID != sent.UUID || string(again.Payload) != "job" {
		t.Fatalf("survivor got %s %q, want %s \"job\"", again.UUID, again.Payload, sent.UUID)
	}
	again.Ack()
	eventually(t, "the reclaimed job is acknowledged", func() bool { return len(pending(t, client, topic, group)) == 0 })
}

// A worker that is alive but slow keeps its job: its subscription re-claims what it holds,
// so a second consumer claiming eagerly never takes the job over.
func TestSlowLiveWorkerKeepsItsJob(t *testing.T) {
	t.Parallel()
	valkeyURL(t)
	client := newClient(t)
	topic, group := newTopic(t, client), "workers"
	pub := newPublisher(t, client)

	slow := newSubscriber(t, fastClaims(valkeystream.SubscriberConfig{Client: newClient(t), ConsumerGroup: group}))
	sent := publish(t, pub, topic, "slow job")[0]
	held := receive(t, subscribe(t, slow, topic))

	eager := newSubscriber(t, fastClaims(valkeystream.SubscriberConfig{Client: newClient(t), ConsumerGroup: group}))
	eagerCh := subscribe(t, eager, topic)

	// Hold the job for several times ClaimMinIdle while the other consumer claims every 20ms.
	hold := time.After(6 * 150 * time.Millisecond)
	select {
	case m := <-eagerCh:
		t.Fatalf("the eager consumer took over %s from a live worker", m.UUID)
	case <-hold:
	}
	p := pending(t, client, topic, group)
	if len(p) != 1 || p[0].deliveries != 1 {
		t.Fatalf("pending = %+v, want the one job delivered once", p)
	}
	held.Ack()
	if held.UUID != sent.UUID {
		t.Fatalf("got %s, want %s", held.UUID, sent.UUID)
	}
	eventually(t, "the job is acknowledged", func() bool { return len(pending(t, client, topic, group)) == 0 })
}

// Consumer names of subscriptions that are gone (idle, nothing pending) are removed from the
// group, so restarts do not pile them up.
func TestIdleConsumersArePruned(t *testing.T) {
	t.Parallel()
	valkeyURL(t)
	client := newClient(t)
	topic, group := newTopic(t, client), "workers"
	cfg := valkeystream.SubscriberConfig{
		Client:              client,
		ConsumerGroup:       group,
		BlockTime:           10 * time.Millisecond,
		ClaimInterval:       10 * time.Millisecond,
		ClaimMinIdle:        50 * time.Millisecond,
		ConsumerIdleTimeout: 100 * time.Millisecond,
	}
	gone := newSubscriber(t, withConsumer(cfg, "gone"))
	publish(t, newPublisher(t, client), topic, "job")
	receive(t, subscribe(t, gone, topic)).Ack() // Redis 7.0 registers a consumer only once it reads an entry
	eventually(t, "the first consumer registers, with nothing pending", func() bool {
		return len(consumers(t, client, topic, group)) == 1 && len(pending(t, client, topic, group)) == 0
	})
	if err := gone.Close(); err != nil {
		t.Fatal(err)
	}

	subscribe(t, newSubscriber(t, withConsumer(cfg, "live")), topic)
	eventually(t, "the gone consumer is pruned", func() bool {
		return !slices.Contains(consumers(t, client, topic, group), "gone-1")
	})
}

func withConsumer(cfg valkeystream.SubscriberConfig, name string) valkeystream.SubscriberConfig {
	cfg.Consumer = name
	return cfg
}

// Nack hands the same message out again on the same subscription, before anything else.
func TestNackRedeliversBeforeMovingOn(t *testing.T) {
	t.Parallel()
	valkeyURL(t)
	client := newClient(t)
	topic := newTopic(t, client)
	sent := publish(t, newPublisher(t, client), topic, "first", "second")
	ch := subscribe(t, newSubscriber(t, valkeystream.SubscriberConfig{Client: client, ConsumerGroup: "g"}), topic)

	for range 3 {
		m := receive(t, ch)
		if m.UUID != sent[0].UUID {
			t.Fatalf("got %s, want the nacked %s again", m.UUID, sent[0].UUID)
		}
		m.Nack()
	}
	receive(t, ch).Ack()
	if m := receive(t, ch); m.UUID != sent[1].UUID {
		t.Fatalf("got %s, want %s", m.UUID, sent[1].UUID)
	}
}
