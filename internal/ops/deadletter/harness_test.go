package deadletter_test

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/deadletter"
	"github.com/novatrek/support/internal/ops/deadletter/deadlettertest"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/testproc"
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

// migratedStore is a re-drive store on a fresh database with the redrives table in place.
func migratedStore(t *testing.T) *deadletter.Store {
	t.Helper()
	ops := pgtest.NewDB(t)
	if err := deadletter.Migrate(context.Background(), ops, ""); err != nil {
		t.Fatalf("migrating the redrives table: %v", err)
	}
	return deadletter.NewStore(ops, "")
}

func producer(t *testing.T, h *streamtest.Harness) *kgo.Client {
	return h.Env.Client(t, deadletter.ProducerOpts()...)
}

var dlqTopic = topology.DeadLetterTopic(testproc.Group)
