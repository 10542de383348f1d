package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// describe runs `novatrek groups describe -o json` for the test processor's group.
func (r *resetRig) describe() (lag.Group, error) {
	r.t.Helper()
	cmd := newGroupsDescribeCmd(func() []service.Definition { return []service.Definition{testprocSpec(r.tp)} })
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{testproc.Group, "-o", "json", "--brokers", r.env.Brokers[0], "--database-url", r.dbURL})
	err := cmd.ExecuteContext(context.Background())
	var g lag.Group
	if jerr := json.Unmarshal(out.Bytes(), &g); jerr != nil {
		r.t.Fatalf("describe output is not one group as JSON: %v\n%s", jerr, out.String())
	}
	return g, err
}

// replaceBroker points the rig at a fresh, empty cluster on the same database (on the real
// broker: the test's topics and groups deleted, so they come back with new topic ids).
func (r *resetRig) replaceBroker(partitions int32) {
	r.t.Helper()
	r.env = r.env.Replace(r.t)
	streamtest.CreateTopics(r.t, r.env, partitions, testproc.CreatedTopic, testproc.StatusTopic, testproc.OutputTopic)
	streamtest.CreateTopics(r.t, r.env, 1, topology.DeadLetterTopic(testproc.Group))
	r.cl = r.env.Client(r.t)
	r.adm = kadm.NewClient(r.cl)
}

// TestGroupsReplacedBrokerStalledThenReset is issue 10's reproduction through the CLI: 40
// events applied, the broker replaced by an empty one, 40 events published before the
// service starts and 40 after. The service refuses the partition and `groups describe`
// says STALL with the reason (not OK with lag 0); after `groups reset --to-earliest
// --execute` the restarted service applies all 80 new events, each once.
func TestGroupsReplacedBrokerStalledThenReset(t *testing.T) {
	t.Parallel()
	r := newResetRig(t, 1)
	for i := range 40 {
		r.produce(r.created(i))
	}
	r.runToEnd()

	r.replaceBroker(1)
	for i := 40; i < 80; i++ {
		r.produce(r.created(i))
	}
	run := r.start()
	streamtest.Eventually(t, "the partition refused", func() (bool, error) {
		ref, err := stream.Refusals(context.Background(), r.pool, testproc.Schema, testproc.Group)
		return len(ref) == 1, err
	})
	for i := 80; i < 120; i++ {
		r.produce(r.created(i))
	}
	g, err := r.describe()
	if !errors.Is(err, errGroupsNotOK) {
		t.Errorf("describe: err = %v, want errGroupsNotOK", err)
	}
	if g.Status != lag.STALL || !strings.Contains(g.Reason, "refused") {
		t.Errorf("describe: status %s (%s), want STALL refused", g.Status, g.Reason)
	}
	var refused []lag.Partition
	for _, p := range g.Partitions {
		if p.Refused != "" {
			refused = append(refused, p)
		}
	}
	if len(refused) != 1 || refused[0].Topic != testproc.CreatedTopic || refused[0].Status != lag.STALL || !strings.Contains(refused[0].Refused, "another log") {
		t.Errorf("describe: refused partitions %+v, want %s[0] STALL, another log", refused, testproc.CreatedTopic)
	}
	if err := run.Stop(); err != nil {
		t.Fatal(err)
	}

	out, err := r.reset(testproc.Group, "--to-earliest", "--execute")
	if err != nil {
		t.Fatalf("reset: %v\n%s", err, out)
	}
	if !strings.Contains(out, "1 partitions re-bound") {
		t.Errorf("reset output does not say the partition was re-bound:\n%s", out)
	}
	r.runToEnd()
	for i := range 120 {
		if n := r.effects(i); n != 1 {
			t.Errorf("created event %d applied %d times, want once", i, n)
		}
	}
	if g, _ := r.describe(); g.Reason != "" && strings.Contains(g.Reason, "refused") {
		t.Errorf("describe after the reset still says %s", g.Reason)
	}
}
