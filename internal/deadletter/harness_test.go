package deadletter_test

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/deadletter"
	"github.com/novatrek/support/internal/deadletter/deadlettertest"
	"github.com/novatrek/support/internal/stream/streamtest"
	"github.com/novatrek/support/internal/testproc"
	"github.com/novatrek/support/internal/topology"
)

var (
	subject = deadlettertest.Subject
	poison  = deadlettertest.Poison
	fix     = deadlettertest.Fix
)

func reader(h *streamtest.Harness) deadletter.Reader {
	return deadletter.Reader{ClientOpts: []kgo.Opt{kgo.SeedBrokers(h.Env.Brokers...)}, Serde: h.Env.Serde}
}

func read(t *testing.T, h *streamtest.Harness, f deadletter.Filter) []deadletter.Letter {
	t.Helper()
	ls, err := reader(h).Read(context.Background(), h.S.Group, f)
	if err != nil {
		t.Fatalf("reading dead letters: %v", err)
	}
	return ls
}

func producer(t *testing.T, h *streamtest.Harness) *kgo.Client {
	return h.Env.Client(t, deadletter.ProducerOpts()...)
}

var dlqTopic = topology.DeadLetterTopic(testproc.Group)
