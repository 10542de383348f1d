package outboxtest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/outbox"
)

// testDeleteFailsAfterProduce: the brokers acknowledge a batch, then its delete fails while
// the session lives on (a statement timeout, a lock conflict). The relay resumes: it finds the
// batch on Kafka, deletes it without publishing it again, and goes on. Every row is on the
// topic exactly once.
func testDeleteFailsAfterProduce(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.deletefails"
	c := newCluster(t, topic, 3)
	const n, batch = 250, 100
	r := startRelay(t, ob, c, "r1", func(cfg *outbox.Config) { cfg.BatchSize = batch })
	var deletes atomic.Int32
	failFirst := func() error {
		if deletes.Add(1) == 1 {
			return errors.New("simulated delete failure after a successful produce")
		}
		return nil
	}
	r.store.beforeDelete.Store(&failFirst)

	Commit(t, ob, seqMessages(topic, 0, n)...)
	if dups := newConsumer(t, c, topic).checkSequence(n); dups != 0 {
		t.Errorf("%d duplicates on the topic", dups)
	}
	drained(t, ob)
	if got := topicRecords(t, c, topic); got != n {
		t.Errorf("%d records on the topic, want %d: a row was published twice", got, n)
	}
	if got := r.metric(t, "novatrek_outbox_resume_skipped_total"); got != batch {
		t.Errorf("resume skipped %v rows, want the %d of the batch whose delete failed", got, batch)
	}
	if got := r.metric(t, "novatrek_outbox_resume_unverified_total"); got != 0 {
		t.Errorf("%v rows left unverified", got)
	}
}

// testLeaderKilledBetweenProduceAndDelete: the leader's session is killed after the brokers
// acknowledged a batch and before its delete; its process never comes back. The standby
// takes over, finds the batch on Kafka and deletes it without publishing it again.
func testLeaderKilledBetweenProduceAndDelete(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.killedbeforedelete"
	c := newCluster(t, topic, 4)
	const n, batch = 500, 100
	small := func(cfg *outbox.Config) { cfg.BatchSize = batch }
	leader, standby := leaderAndStandby(t, startRelay(t, ob, c, "a", small), startRelay(t, ob, c, "b", small))
	var deletes atomic.Int32
	killAtSecond := func() error {
		if deletes.Add(1) == 2 {
			leader.store.refuse.Store(true) // the process is gone: it never campaigns again
			ob.KillLeader(t)
		}
		return nil // the delete runs on the dead session and fails
	}
	leader.store.beforeDelete.Store(&killAtSecond)

	Commit(t, ob, seqMessages(topic, 0, n)...)
	if dups := newConsumer(t, c, topic).checkSequence(n); dups != 0 {
		t.Errorf("%d duplicates on the topic", dups)
	}
	drained(t, ob)
	if got := topicRecords(t, c, topic); got != n {
		t.Errorf("%d records on the topic, want %d: a row was published twice", got, n)
	}
	if got := leader.published(t); got != 2*batch {
		t.Errorf("old leader published %v rows, want %d (its first batch and the one it could not delete)", got, 2*batch)
	}
	if got := standby.metric(t, "novatrek_outbox_resume_skipped_total"); got != batch {
		t.Errorf("the new leader skipped %v rows, want the %d the old one published but could not delete", got, batch)
	}
	if got := standby.published(t); got != n-2*batch {
		t.Errorf("new leader published %v rows, want %d", got, n-2*batch)
	}
}

// topicRecords is how many records topic holds, from its partitions' offsets.
func topicRecords(t testing.TB, c *kafkatest.Env, topic string) int64 {
	t.Helper()
	adm := kadm.NewClient(c.Client(t))
	ctx := context.Background()
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) {
		s, _ := starts.Lookup(o.Topic, o.Partition)
		n += o.Offset - s.Offset
	})
	return n
}
