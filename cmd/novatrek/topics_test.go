package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/topicplan"
	"github.com/novatrek/support/internal/platform/topology"
)

// runTopics runs `novatrek topics <args...> --brokers <addr>` and returns its stdout.
func runTopics(t *testing.T, addr string, args ...string) (string, error) {
	t.Helper()
	cmd := newTopicsCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(append(args, "--brokers", addr))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestTopicsCommandPlanCheckApply(t *testing.T) {
	t.Parallel()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(0))
	if err != nil {
		t.Fatalf("starting kfake: %v", err)
	}
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatalf("kafka client: %v", err)
	}
	t.Cleanup(cl.Close)
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	topicCount := func() int {
		td, err := adm.ListTopics(kadm.WithAuthorizedOps(ctx))
		if err != nil {
			t.Fatalf("listing topics: %v", err)
		}
		return len(td)
	}
	topo, err := topology.Default()
	if err != nil {
		t.Fatalf("topics.yaml: %v", err)
	}

	// plan --check on an empty cluster: drift, non-zero exit.
	out, err := runTopics(t, addr, "plan", "--check")
	if !errors.Is(err, topicplan.ErrDrift) {
		t.Fatalf("plan --check on an empty cluster: err = %v; want ErrDrift", err)
	}
	if !strings.Contains(out, "+ create "+topo.Topics[0].Name) {
		t.Errorf("plan output lacks the create of %s:\n%s", topo.Topics[0].Name, out)
	}

	// plan without --check reports and succeeds; apply without --execute changes nothing.
	if _, err := runTopics(t, addr, "plan"); err != nil {
		t.Errorf("plan without --check: %v", err)
	}
	out, err = runTopics(t, addr, "apply")
	if err != nil || !strings.Contains(out, "Dry run: nothing changed") {
		t.Fatalf("apply (dry run): err = %v, output:\n%s", err, out)
	}
	if n := topicCount(); n != 0 {
		t.Fatalf("dry-run apply created %d topics", n)
	}

	// apply --yes creates everything; then plan --check passes.
	if out, err := runTopics(t, addr, "apply", "--yes"); err != nil {
		t.Fatalf("apply --yes: %v\n%s", err, out)
	}
	if n := topicCount(); n != len(topo.Topics) {
		t.Errorf("after apply the cluster has %d topics; want %d", n, len(topo.Topics))
	}
	out, err = runTopics(t, addr, "plan", "--check")
	if err != nil || !strings.Contains(out, "No changes") {
		t.Fatalf("plan --check after apply: err = %v, output:\n%s", err, out)
	}

	// A stray managed topic: apply --execute leaves it (exit 0); --allow-delete removes it.
	const stray = "novatrek.support.thing.forgotten"
	if _, err := adm.CreateTopic(ctx, 1, -1, nil, stray); err != nil {
		t.Fatalf("creating %s: %v", stray, err)
	}
	if out, err := runTopics(t, addr, "apply", "--execute"); err != nil || !strings.Contains(out, "needs --allow-delete") {
		t.Fatalf("apply --execute with a stray topic: err = %v, output:\n%s", err, out)
	}
	if n := topicCount(); n != len(topo.Topics)+1 {
		t.Fatalf("stray topic deleted without --allow-delete")
	}
	if out, err := runTopics(t, addr, "apply", "--execute", "--allow-delete"); err != nil {
		t.Fatalf("apply --execute --allow-delete: %v\n%s", err, out)
	}
	if n := topicCount(); n != len(topo.Topics) {
		t.Fatalf("stray topic not deleted with --allow-delete")
	}

	// More partitions than declared: apply fails naming the topic, and shrinks nothing.
	victim := topo.Topics[0]
	if _, err := adm.UpdatePartitions(ctx, int(victim.Partitions)+2, victim.Name); err != nil {
		t.Fatalf("growing %s out of band: %v", victim.Name, err)
	}
	_, err = runTopics(t, addr, "apply", "--execute")
	if err == nil || !strings.Contains(err.Error(), victim.Name) {
		t.Fatalf("apply --execute with an over-partitioned topic: err = %v; want one naming %s", err, victim.Name)
	}
}
