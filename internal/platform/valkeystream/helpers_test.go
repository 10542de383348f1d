package valkeystream_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/valkey-io/valkey-go"

	"github.com/novatrek/support/internal/platform/valkeystream"
)

// failAfter bounds how long a test waits for something that should happen; it is a guard
// against hanging, not a speed requirement.
const failAfter = 15 * time.Second

func newPublisher(t *testing.T, client valkey.Client) *valkeystream.Publisher {
	t.Helper()
	pub, err := valkeystream.NewPublisher(valkeystream.PublisherConfig{Client: client}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	return pub
}

func newSubscriber(t *testing.T, cfg valkeystream.SubscriberConfig) *valkeystream.Subscriber {
	t.Helper()
	sub, err := valkeystream.NewSubscriber(cfg, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	return sub
}

func subscribe(t *testing.T, sub *valkeystream.Subscriber, topic string) <-chan *message.Message {
	t.Helper()
	ch, err := sub.Subscribe(t.Context(), topic)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func publish(t *testing.T, pub *valkeystream.Publisher, topic string, payloads ...string) []*message.Message {
	t.Helper()
	msgs := make([]*message.Message, len(payloads))
	for i, p := range payloads {
		msgs[i] = message.NewMessage(watermill.NewUUID(), []byte(p))
	}
	if err := pub.Publish(topic, msgs...); err != nil {
		t.Fatal(err)
	}
	return msgs
}

func receive(t *testing.T, ch <-chan *message.Message) *message.Message {
	t.Helper()
	select {
	case msg, ok := <-ch:
		if !ok {
			t.Fatal("subscription channel closed")
		}
		return msg
	case <-time.After(failAfter):
		t.Fatalf("no message within %s", failAfter)
		return nil
	}
}

// eventually polls cond until it holds, failing the test after failAfter.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(failAfter)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, failAfter)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pendingEntry is one row of XPENDING key group - + n.
type pendingEntry struct {
	id, consumer string
	deliveries   int64
}

func pending(t *testing.T, client valkey.Client, topic, group string) []pendingEntry {
	t.Helper()
	rows, err := client.Do(context.Background(), client.B().Xpending().Key(topic).Group(group).
		Start("-").End("+").Count(1000).Build()).ToArray()
	if err != nil {
		t.Fatalf("XPENDING: %v", err)
	}
	out := make([]pendingEntry, 0, len(rows))
	for _, row := range rows {
		f, err := row.ToArray()
		if err != nil || len(f) < 4 {
			t.Fatalf("XPENDING row: %v", err)
		}
		id, _ := f[0].ToString()
		consumer, _ := f[1].ToString()
		n, _ := f[3].AsInt64()
		out = append(out, pendingEntry{id: id, consumer: consumer, deliveries: n})
	}
	return out
}

func xlen(t *testing.T, client valkey.Client, topic string) int64 {
	t.Helper()
	n, err := client.Do(context.Background(), client.B().Xlen().Key(topic).Build()).AsInt64()
	if err != nil {
		t.Fatalf("XLEN: %v", err)
	}
	return n
}

// consumers lists the consumer names of a group (XINFO CONSUMERS).
func consumers(t *testing.T, client valkey.Client, topic, group string) []string {
	t.Helper()
	rows, err := client.Do(context.Background(), client.B().XinfoConsumers().Key(topic).Group(group).Build()).ToArray()
	if err != nil {
		t.Fatalf("XINFO CONSUMERS: %v", err)
	}
	var names []string
	for _, row := range rows {
		m, err := row.AsMap()
		if err != nil {
			t.Fatalf("XINFO CONSUMERS row: %v", err)
		}
		v := m["name"]
		name, _ := v.ToString()
		names = append(names, name)
	}
	return names
}

// killClients drops every server connection named name (CLIENT SETNAME), as a network
// failure or a server restart would.
func killClients(t *testing.T, admin valkey.Client, name string) int {
	t.Helper()
	list, err := admin.Do(context.Background(), admin.B().ClientList().Build()).ToString()
	if err != nil {
		t.Fatalf("CLIENT LIST: %v", err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		var id int64 = -1
		named := false
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			switch {
			case k == "id":
				id, _ = strconv.ParseInt(v, 10, 64)
			case k == "name" && v == name:
				named = true
			}
		}
		if named && id >= 0 {
			if err := admin.Do(context.Background(), admin.B().ClientKill().Id(id).Build()).Error(); err == nil {
				killed++
			}
		}
	}
	return killed
}
