package kafkatest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestRealRejectsUnknownModeAndMissingBrokers(t *testing.T) {
	for _, c := range []struct{ mode, brokers, err string }{
		{"real", "", "needs KAFKA_BROKERS"},
		{"Real", "127.0.0.1:1", `want "kfake" or "real"`},
		{"docker", "127.0.0.1:1", `want "kfake" or "real"`},
	} {
		t.Setenv(ModeVar, c.mode)
		t.Setenv("KAFKA_BROKERS", c.brokers)
		if _, err := Real(); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s=%q KAFKA_BROKERS=%q: error %v, want one saying %q", ModeVar, c.mode, c.brokers, err, c.err)
		}
	}
	t.Setenv(ModeVar, "")
	if real, err := Real(); real || err != nil {
		t.Errorf("unset: real=%v err=%v, want kfake", real, err)
	}
}

// externalBroker stands a kfake cluster in for "the real broker" (the lease speaks only the
// Kafka protocol) and points the real mode at it, with the lease's lock in a private dir.
func externalBroker(t *testing.T) *kadm.Client {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	t.Setenv("TMPDIR", t.TempDir())
	t.Setenv(ModeVar, "real")
	t.Setenv("KAFKA_BROKERS", strings.Join(c.ListenAddrs(), ","))
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.MetadataMinAge(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// useBroker is a test's work on the broker: a topic with a record and a group's commit.
func useBroker(t *testing.T, env *Env, topic, group string) {
	t.Helper()
	env.CreateTopics(t, 1, topic)
	cl := env.Client(t, kgo.DefaultProduceTopic(topic))
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	offsets := kadm.Offsets{}
	offsets.AddOffset(topic, 0, 1, -1)
	if _, err := kadm.NewClient(cl).CommitOffsets(context.Background(), group, offsets); err != nil {
		t.Fatal(err)
	}
}

func listNames(t *testing.T, adm *kadm.Client) names {
	t.Helper()
	n, err := current(adm)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRealLeaseRemovesWhatTheTestAddedAndKeepsTheRest(t *testing.T) {
	adm := externalBroker(t)
	if _, err := adm.CreateTopics(context.Background(), 1, 1, nil, "existing"); err != nil {
		t.Fatal(err)
	}
	t.Run("test", func(t *testing.T) {
		env := New(t)
		if env.Cluster != nil {
			t.Fatal("real mode started a kfake cluster")
		}
		useBroker(t, env, "added", "added-group")
	})
	got := listNames(t, adm)
	if !slices.Equal(got.Topics, []string{"existing"}) || len(got.Groups) != 0 {
		t.Errorf("after the test the broker holds topics %v and groups %v, want only the topic that was there before", got.Topics, got.Groups)
	}
}

func TestRealLeaseCleansUpAfterAHolderThatDied(t *testing.T) {
	adm := externalBroker(t)
	var state string
	t.Run("dies", func(t *testing.T) {
		env := New(t)
		useBroker(t, env, "left-behind", "left-group")
		matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "novatrek-kafkatest-*.json"))
		if len(matches) != 1 {
			t.Fatalf("lease state files %v, want one", matches)
		}
		state = matches[0]
	})
	// A process killed while holding the lease leaves its state file and its names; the
	// cleanup above has run, so put both back as the dead process would have left them.
	if err := os.WriteFile(state, []byte(`{"topics":[],"groups":[]}`), 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopics(context.Background(), 1, 1, nil, "left-behind"); err != nil {
		t.Fatal(err)
	}
	t.Run("next", func(t *testing.T) {
		New(t)
		if got := listNames(t, adm); len(got.Topics) != 0 {
			t.Errorf("the next lease starts with topics %v, want those of the dead holder removed", got.Topics)
		}
	})
}

func TestRequireFakeSkipsOnRealBroker(t *testing.T) {
	externalBroker(t)
	skipped := false
	t.Run("real", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		New(t).RequireFake(t, "inject faults")
	})
	if !skipped {
		t.Error("RequireFake did not skip on the real broker")
	}
}

// TestReplaceOnRealBrokerGivesNewTopicIDs: Replace on the leased broker removes the test's
// topics and groups, keeps the ones that were there, and a topic created again has a new
// topic id (what issue 10's broker-reset detection sees on a real cluster). It returns
// without waiting on the test's own lease.
func TestReplaceOnRealBrokerGivesNewTopicIDs(t *testing.T) {
	adm := externalBroker(t)
	if _, err := adm.CreateTopics(context.Background(), 1, 1, nil, "existing"); err != nil {
		t.Fatal(err)
	}
	env := New(t)
	useBroker(t, env, "replaced", "replaced-group")
	before := topicID(t, adm, "replaced")

	env = env.Replace(t)
	if got := listNames(t, adm); !slices.Equal(got.Topics, []string{"existing"}) || len(got.Groups) != 0 {
		t.Errorf("after Replace the broker holds topics %v and groups %v, want only the topic that was there before", got.Topics, got.Groups)
	}
	env.CreateTopics(t, 1, "replaced")
	if after := topicID(t, adm, "replaced"); after == before {
		t.Errorf("the topic created again has the old topic id %x", after)
	}
}

func topicID(t *testing.T, adm *kadm.Client, topic string) [16]byte {
	t.Helper()
	td, err := adm.ListTopics(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	if err := td.Error(); err != nil {
		t.Fatal(err)
	}
	return td[topic].ID
}
