package outboxtest

import (
	"strconv"
	"testing"
	"time"

	"github.com/novatrek/support/outbox"
)

// testNotification: with polling and backlog measurement an hour apart, only the commit's
// notification can wake the relay within the test.
func testNotification(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.notify"
	c := newCluster(t, topic, 1)
	r := startRelay(t, ob, c, "r1", func(cfg *outbox.Config) {
		cfg.PollInterval = time.Hour
		cfg.StatsInterval = time.Hour
	})
	eventually(t, wait, "relay leads", func() bool { return r.leads(t) })
	cons := newConsumer(t, c, topic)
	for i := range 3 { // each commit wakes the relay again
		Commit(t, ob, msg(topic, "k", strconv.Itoa(i)))
		if got := cons.count(1); string(got[0].Value) != strconv.Itoa(i) {
			t.Fatalf("record %d is %q", i, got[0].Value)
		}
	}
	drained(t, ob)
}

// testPolling: a row whose notification never comes is found by the polling fallback.
func testPolling(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.poll"
	c := newCluster(t, topic, 1)
	r := startRelay(t, ob, c, "r1", func(cfg *outbox.Config) { cfg.PollInterval = 20 * time.Millisecond })
	eventually(t, wait, "relay leads", func() bool { return r.leads(t) })
	ob.MuteNotifications(t)
	Commit(t, ob, msg(topic, "k", "unannounced"))
	if got := newConsumer(t, c, topic).count(1); string(got[0].Value) != "unannounced" {
		t.Fatalf("got %q", got[0].Value)
	}
	drained(t, ob)
}
