package outboxtest

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/outbox"
)

// testDeleteFailsAfterProduce: the brokers acknowledge a batch, then its delete fails. Once
// with the session alive (a statement timeout): the relay deletes the acknowledged rows on
// its next attempt. Once with the session lost (the database restarted): the relay leads
// again, finds the undeleted rows on Kafka and deletes them without publishing them again.
// Every row is on the topic exactly once.
func testDeleteFailsAfterProduce(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.deletefails"
	c := newCluster(t, topic, 3)
	const n, batch = 600, 100
	r := startRelay(t, ob, c, "r1", func(cfg *outbox.Config) { cfg.BatchSize = batch })
	var deletes atomic.Int32
	fail := func() error {
		switch deletes.Add(1) {
		case 1:
			return errors.New("simulated delete failure after a successful produce")
		case 3:
			ob.KillLeader(t)
			return errors.New("simulated delete failure: the session is gone")
		}
		return nil
	}
	r.store.beforeDelete.Store(&fail)

	// Two waves: a fenced relay deletes once per transaction, which can span a whole backlog,
	// so the third delete may only come with the second wave.
	Commit(t, ob, seqMessages(topic, 0, n/2)...)
	drained(t, ob)
	Commit(t, ob, seqMessages(topic, n/2, n/2)...)
	if dups := newConsumer(t, c, topic).checkSequence(n); dups != 0 {
		t.Errorf("%d duplicates on the topic", dups)
	}
	drained(t, ob)
	if got := topicRecords(t, c, topic); got != n {
		t.Errorf("%d records on the topic, want %d: a row was published twice", got, n)
	}
	if got := r.published(t); got != n {
		t.Errorf("the relay published %v rows, want %d", got, n)
	}
	if got := r.metric(t, "novatrek_outbox_resume_skipped_total"); got < batch {
		t.Errorf("resume skipped %v rows, want at least the %d of the batch whose delete failed with the session", got, batch)
	}
	if got := r.metric(t, "novatrek_outbox_resume_unverified_total"); got != 0 {
		t.Errorf("%v rows left unverified", got)
	}
}

// testLeaderKilledBetweenProduceAndDelete: the leader's session is killed after the brokers
// acknowledged a batch and before its delete; its process never comes back. The standby
// takes over, finds the undeleted rows on Kafka and deletes them without publishing them
// again: the two relays together published every row once.
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

	// Two waves, as in testDeleteFailsAfterProduce: the second delete may come with the second.
	Commit(t, ob, seqMessages(topic, 0, n/2)...)
	drained(t, ob)
	Commit(t, ob, seqMessages(topic, n/2, n/2)...)
	if dups := newConsumer(t, c, topic).checkSequence(n); dups != 0 {
		t.Errorf("%d duplicates on the topic", dups)
	}
	drained(t, ob)
	if got := topicRecords(t, c, topic); got != n {
		t.Errorf("%d records on the topic, want %d: a row was published twice", got, n)
	}
	if got := leader.published(t) + standby.published(t); got != n {
		t.Errorf("old leader published %v rows and the new one %v, want %d in all", leader.published(t), standby.published(t), n)
	}
	if got := standby.metric(t, "novatrek_outbox_resume_skipped_total"); got < batch {
		t.Errorf("the new leader skipped %v rows, want at least the %d the old one published but could not delete", got, batch)
	}
}

// topicRecords is how many records a read-committed reader finds on topic (commit markers
// and aborted records take offsets too, so offsets alone would overcount a fenced relay's).
func topicRecords(t testing.TB, c *kafkatest.Env, topic string) int64 {
	t.Helper()
	var n int64
	for _, k := range CommittedRows(t, c, topic) {
		n += int64(k)
	}
	return n
}
