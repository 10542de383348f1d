package outboxtest

import (
	"testing"

	"github.com/novatrek/support/outbox"
)

// testGracefulFailover: of two relays one publishes and the other stands by; when the
// leader stops, the standby takes over.
func testGracefulFailover(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.failover"
	c := newCluster(t, topic, 2)
	leader, standby := leaderAndStandby(t, startRelay(t, ob, c, "a"), startRelay(t, ob, c, "b"))
	cons := newConsumer(t, c, topic)

	Commit(t, ob, seqMessages(topic, 0, 50)...)
	cons.count(50)
	eventually(t, wait, "leader counts 50 published", func() bool { return leader.published(t) == 50 })
	if n := standby.published(t); n != 0 {
		t.Fatalf("standby published %v rows while another relay led", n)
	}

	leader.stop() // a clean shutdown gives the leadership up at once
	eventually(t, wait, "standby leads", func() bool { return standby.leads(t) })
	Commit(t, ob, seqMessages(topic, 50, 50)...)
	cons.count(50)
	eventually(t, wait, "new leader counts 50 published", func() bool { return standby.published(t) == 50 })
	drained(t, ob)
}

// testKilledLeader: the leader's session is killed while it works through a backlog, and
// its process never comes back; the standby takes over and every message arrives, in order
// per key. The kill lands anywhere (fetch, produce, delete), so duplicates are only counted
// and logged: the new leader's resume check skips the rows the old one produced but could not
// delete, unless the old producer's records land after that check (see outbox/resume.go);
// testLeaderKilledBetweenProduceAndDelete proves the skip at a known point.
func testKilledLeader(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.killed"
	c := newCluster(t, topic, 4)
	small := func(cfg *outbox.Config) { cfg.BatchSize = 100 }
	leader, standby := leaderAndStandby(t, startRelay(t, ob, c, "a", small), startRelay(t, ob, c, "b", small))

	const before, after = 20_000, 2_000
	for i := 0; i < before; i += 1000 {
		Commit(t, ob, seqMessages(topic, i, 1000)...)
	}
	eventually(t, wait, "leader publishing", func() bool { return leader.published(t) > 0 })

	leader.store.refuse.Store(true) // the process is gone: it never campaigns again
	ob.KillLeader(t)
	eventually(t, wait, "standby leads", func() bool { return standby.leads(t) })
	eventually(t, wait, "old leader knows it lost", func() bool { return !leader.leads(t) })

	for i := before; i < before+after; i += 1000 {
		Commit(t, ob, seqMessages(topic, i, 1000)...)
	}
	dups := newConsumer(t, c, topic).checkSequence(before + after)
	t.Logf("%d distinct messages delivered, %d duplicates; old leader published %v, new leader %v",
		before+after, dups, leader.published(t), standby.published(t))
	drained(t, ob)
}

// testRecover: a lone relay whose session is killed (a database restart, a cut connection)
// campaigns again, leads again and goes on publishing.
func testRecover(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.recover"
	c := newCluster(t, topic, 1)
	r := startRelay(t, ob, c, "solo")
	eventually(t, wait, "relay leads", func() bool { return r.leads(t) })
	ob.KillLeader(t)
	Commit(t, ob, seqMessages(topic, 0, 10)...)
	newConsumer(t, c, topic).checkSequence(10)
	eventually(t, wait, "relay leads again", func() bool { return r.leads(t) })
	drained(t, ob)
}
