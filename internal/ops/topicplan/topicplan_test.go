package topicplan_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/topicplan"
	"github.com/novatrek/support/internal/platform/topology"
)

// These tests run the plan against franz-go's in-process Kafka (kfake), which implements
// CreateTopics, CreatePartitions, DescribeConfigs, IncrementalAlterConfigs and DeleteTopics
// like a broker. Out-of-band changes are made with kadm directly, and results are checked
// by reading the cluster with kadm, not through the package under test.

const (
	happened = "novatrek.test.thing.happened"
	archived = "novatrek.test.thing.archived"
	dlq      = "novatrek.support.dlq.svc-test"
)

// testTopology is a small topics.yaml in parsed form, independent of the real one.
func testTopology() *topology.Topology {
	return &topology.Topology{Topics: []topology.Topic{
		{Name: happened, Kind: topology.KindEvent, Partitions: 3, Retention: 7 * 24 * time.Hour, CleanupPolicy: "delete"},
		{Name: archived, Kind: topology.KindEvent, Partitions: 6, Retention: 0, CleanupPolicy: "compact"},
		{Name: dlq, Kind: topology.KindDeadLetter, Partitions: 2, Retention: 30 * 24 * time.Hour, CleanupPolicy: "delete"},
	}}
}

func newAdmin(t *testing.T) *kadm.Client {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(0))
	if err != nil {
		t.Fatalf("starting kfake: %v", err)
	}
	t.Cleanup(c.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatalf("kafka client: %v", err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

func diff(t *testing.T, adm *kadm.Client, topo *topology.Topology, opts topicplan.Options) topicplan.Plan {
	t.Helper()
	p, err := topicplan.Diff(context.Background(), adm, topo, opts)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return p
}

func apply(t *testing.T, adm *kadm.Client, p topicplan.Plan, opts topicplan.Options) []topicplan.Change {
	t.Helper()
	applied, err := topicplan.Apply(context.Background(), adm, p, opts)
	if err != nil {
		t.Fatalf("Apply: %v\nplan:\n%s", err, p)
	}
	return applied
}

func requireNoDrift(t *testing.T, adm *kadm.Client, topo *topology.Topology, opts topicplan.Options) {
	t.Helper()
	p := diff(t, adm, topo, opts)
	if err := p.Check(); err != nil {
		t.Fatalf("after apply: %v\n%s", err, p)
	}
}

// sync brings the cluster in line with topo, as a previous `topics apply` would have.
func sync(t *testing.T, adm *kadm.Client, topo *topology.Topology) {
	t.Helper()
	apply(t, adm, diff(t, adm, topo, topicplan.Options{}), topicplan.Options{})
}

func partitions(t *testing.T, adm *kadm.Client, topic string) int {
	t.Helper()
	td, err := adm.ListTopics(kadm.WithAuthorizedOps(context.Background()), topic) // uncached
	if err != nil {
		t.Fatalf("listing %s: %v", topic, err)
	}
	d, ok := td[topic]
	if !ok || d.Err != nil {
		t.Fatalf("topic %s not in the cluster: %v", topic, d.Err)
	}
	return len(d.Partitions)
}

func exists(t *testing.T, adm *kadm.Client, topic string) bool {
	t.Helper()
	td, err := adm.ListTopics(kadm.WithAuthorizedOps(context.Background())) // uncached
	if err != nil {
		t.Fatalf("listing topics: %v", err)
	}
	return td.Has(topic)
}

func configValue(t *testing.T, adm *kadm.Client, topic, key string) string {
	t.Helper()
	rcs, err := adm.DescribeTopicConfigs(context.Background(), topic)
	if err != nil {
		t.Fatalf("describing %s: %v", topic, err)
	}
	for _, rc := range rcs {
		for _, c := range rc.Configs {
			if c.Key == key {
				return c.MaybeValue()
			}
		}
	}
	t.Fatalf("topic %s has no config %s", topic, key)
	return ""
}

func mustCreate(t *testing.T, adm *kadm.Client, topic string, parts int32, configs map[string]string) {
	t.Helper()
	cfg := map[string]*string{}
	for k, v := range configs {
		cfg[k] = kadm.StringPtr(v)
	}
	if _, err := adm.CreateTopic(context.Background(), parts, -1, cfg, topic); err != nil {
		t.Fatalf("creating %s out of band: %v", topic, err)
	}
}

func actions(p topicplan.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		s := string(c.Action) + " " + c.Topic
		if c.Config != "" {
			s += " " + c.Config
		}
		if c.Blocked {
			s += " (blocked)"
		}
		out = append(out, s)
	}
	return out
}

func TestEmptyClusterCreatesEveryTopicOfTopicsYAML(t *testing.T) {
	t.Parallel()
	topo, err := topology.Default()
	if err != nil {
		t.Fatalf("topics.yaml: %v", err)
	}
	adm := newAdmin(t)

	p := diff(t, adm, topo, topicplan.Options{})
	if len(p.Changes) != len(topo.Topics) {
		t.Fatalf("plan has %d changes for %d declared topics:\n%s", len(p.Changes), len(topo.Topics), p)
	}
	for _, c := range p.Changes {
		if c.Action != topicplan.Create || c.Blocked {
			t.Errorf("on an empty cluster want only creates, got %s of %s", c.Action, c.Topic)
		}
	}
	if err := p.Check(); !errors.Is(err, topicplan.ErrDrift) {
		t.Errorf("Check on an empty cluster = %v; want ErrDrift", err)
	}

	applied := apply(t, adm, p, topicplan.Options{})
	if len(applied) != len(topo.Topics) {
		t.Errorf("applied %d changes; want %d", len(applied), len(topo.Topics))
	}
	for _, tp := range topo.Topics {
		if got := partitions(t, adm, tp.Name); got != int(tp.Partitions) {
			t.Errorf("%s has %d partitions; declared %d", tp.Name, got, tp.Partitions)
		}
		for k, v := range tp.Configs() {
			if got := configValue(t, adm, tp.Name, k); got != v {
				t.Errorf("%s %s = %q; declared %q", tp.Name, k, got, v)
			}
		}
	}
	requireNoDrift(t, adm, topo, topicplan.Options{})
}

func TestFewerPartitionsAreGrown(t *testing.T) {
	t.Parallel()
	adm := newAdmin(t)
	topo := testTopology()
	sync(t, adm, topo)
	if _, err := adm.DeleteTopic(context.Background(), happened); err != nil {
		t.Fatalf("deleting %s: %v", happened, err)
	}
	tp, _ := topo.Topic(happened)
	mustCreate(t, adm, happened, 1, tp.Configs())

	p := diff(t, adm, topo, topicplan.Options{})
	if got, want := strings.Join(actions(p), "; "), "grow-partitions "+happened; got != want {
		t.Fatalf("plan = %q; want %q", got, want)
	}
	if c := p.Changes[0]; c.CurrentPartitions != 1 || c.Partitions != 3 {
		t.Errorf("grow %d → %d; want 1 → 3", c.CurrentPartitions, c.Partitions)
	}
	if !strings.Contains(p.String(), "~ partitions 1 → 3") {
		t.Errorf("rendering lacks the growth:\n%s", p)
	}

	apply(t, adm, p, topicplan.Options{})
	if got := partitions(t, adm, happened); got != 3 {
		t.Errorf("%s has %d partitions after apply; want 3", happened, got)
	}
	requireNoDrift(t, adm, topo, topicplan.Options{})
}

func TestConfigChangedOutOfBandIsSetBackAndOthersLeftAlone(t *testing.T) {
	t.Parallel()
	adm := newAdmin(t)
	topo := testTopology()
	sync(t, adm, topo)
	ctx := context.Background()
	_, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{
		{Op: kadm.SetConfig, Name: "retention.ms", Value: kadm.StringPtr("1000")},
		// Not managed by topics.yaml: must survive the apply.
		{Op: kadm.SetConfig, Name: "max.message.bytes", Value: kadm.StringPtr("2097152")},
	}, happened)
	if err != nil {
		t.Fatalf("altering %s out of band: %v", happened, err)
	}

	p := diff(t, adm, topo, topicplan.Options{})
	if got, want := strings.Join(actions(p), "; "), "set-config "+happened+" retention.ms"; got != want {
		t.Fatalf("plan = %q; want %q", got, want)
	}
	want7d := strconv.FormatInt((7 * 24 * time.Hour).Milliseconds(), 10)
	if line := "~ config retention.ms 1000 → " + want7d; !strings.Contains(p.String(), line) {
		t.Errorf("rendering lacks %q:\n%s", line, p)
	}

	apply(t, adm, p, topicplan.Options{})
	if got := configValue(t, adm, happened, "retention.ms"); got != want7d {
		t.Errorf("retention.ms = %s after apply; want %s", got, want7d)
	}
	if got := configValue(t, adm, happened, "max.message.bytes"); got != "2097152" {
		t.Errorf("unmanaged max.message.bytes = %s after apply; want it left at 2097152", got)
	}
	requireNoDrift(t, adm, topo, topicplan.Options{})
}

func TestMorePartitionsAreReportedNeverShrunk(t *testing.T) {
	t.Parallel()
	adm := newAdmin(t)
	topo := testTopology()
	tp, _ := topo.Topic(dlq)
	mustCreate(t, adm, dlq, 5, tp.Configs())
	sync(t, adm, topo) // creates the others; cannot touch dlq's partitions

	p := diff(t, adm, topo, topicplan.Options{AllowDelete: true})
	if got, want := strings.Join(actions(p), "; "), "shrink-partitions "+dlq+" (blocked)"; got != want {
		t.Fatalf("plan = %q; want %q", got, want)
	}
	if !strings.Contains(p.String(), "! cannot shrink partitions 5 → 2") {
		t.Errorf("rendering lacks the shrink:\n%s", p)
	}
	if err := p.Check(); !errors.Is(err, topicplan.ErrDrift) {
		t.Errorf("Check = %v; want ErrDrift for a blocked shrink", err)
	}
	if applied := apply(t, adm, p, topicplan.Options{AllowDelete: true}); len(applied) != 0 {
		t.Errorf("applied %v; want nothing", applied)
	}
	if got := partitions(t, adm, dlq); got != 5 {
		t.Errorf("%s has %d partitions; want the 5 it had", dlq, got)
	}
}

func TestUndeclaredManagedTopicIsDeletedOnlyWhenAllowed(t *testing.T) {
	t.Parallel()
	adm := newAdmin(t)
	topo := testTopology()
	sync(t, adm, topo)
	const stray, foreign = "novatrek.test.thing.forgotten", "payments-legacy"
	mustCreate(t, adm, stray, 1, nil)
	mustCreate(t, adm, foreign, 1, nil)

	// Without the flag: reported, blocked, not applied.
	p := diff(t, adm, topo, topicplan.Options{})
	if got, want := strings.Join(actions(p), "; "), "delete "+stray+" (blocked)"; got != want {
		t.Fatalf("plan = %q; want %q (the topic outside the prefix is not ours)", got, want)
	}
	if line := "- delete " + stray + " (not in topics.yaml; needs --allow-delete)"; !strings.Contains(p.String(), line) {
		t.Errorf("rendering lacks %q:\n%s", line, p)
	}
	apply(t, adm, p, topicplan.Options{})
	if !exists(t, adm, stray) {
		t.Fatalf("%s deleted without AllowDelete", stray)
	}

	// A plan that allows deletes, applied without the flag: still nothing deleted.
	allowed := diff(t, adm, topo, topicplan.Options{AllowDelete: true})
	if len(allowed.Pending()) != 1 || allowed.Pending()[0].Action != topicplan.Delete {
		t.Fatalf("with AllowDelete the delete should be pending:\n%s", allowed)
	}
	apply(t, adm, allowed, topicplan.Options{})
	if !exists(t, adm, stray) {
		t.Fatalf("%s deleted by an Apply without AllowDelete", stray)
	}

	// Both allow it: deleted; the foreign topic stays.
	apply(t, adm, allowed, topicplan.Options{AllowDelete: true})
	if exists(t, adm, stray) {
		t.Errorf("%s still exists after an allowed delete", stray)
	}
	if !exists(t, adm, foreign) {
		t.Errorf("%s (outside the managed prefix) was deleted", foreign)
	}
	requireNoDrift(t, adm, topo, topicplan.Options{})
}

func TestCheckIsNilOnlyWithoutDrift(t *testing.T) {
	t.Parallel()
	adm := newAdmin(t)
	topo := testTopology()
	sync(t, adm, topo)

	p := diff(t, adm, topo, topicplan.Options{})
	if err := p.Check(); err != nil {
		t.Fatalf("Check after sync = %v; want nil", err)
	}
	if got := p.String(); got != "No changes: the cluster matches topics.yaml.\n" {
		t.Errorf("rendering of an empty plan = %q", got)
	}

	mustCreate(t, adm, "novatrek.test.thing.extra", 1, nil)
	err := diff(t, adm, topo, topicplan.Options{}).Check()
	if !errors.Is(err, topicplan.ErrDrift) {
		t.Fatalf("Check with an undeclared topic = %v; want ErrDrift", err)
	}
	if !strings.Contains(err.Error(), "1 blocked") {
		t.Errorf("Check error %q does not count the blocked change", err)
	}
}

func TestSyncCreatesAndReportsBlocked(t *testing.T) {
	t.Parallel()
	adm := newAdmin(t)
	topo := testTopology()
	mustCreate(t, adm, "novatrek.test.thing.extra", 1, nil)

	p, err := topicplan.Sync(context.Background(), adm, topo, topicplan.Options{})
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if len(p.Pending()) != len(topo.Topics) || len(p.Blocked()) != 1 {
		t.Errorf("Sync plan: %d pending, %d blocked; want %d and 1:\n%s", len(p.Pending()), len(p.Blocked()), len(topo.Topics), p)
	}
	for _, tp := range topo.Topics {
		if !exists(t, adm, tp.Name) {
			t.Errorf("Sync did not create %s", tp.Name)
		}
	}
	if !exists(t, adm, "novatrek.test.thing.extra") {
		t.Error("Sync deleted an undeclared topic without AllowDelete")
	}
}

func TestApplyReportsBrokerRefusal(t *testing.T) {
	t.Parallel()
	adm := newAdmin(t)
	topo := testTopology()
	p := diff(t, adm, topo, topicplan.Options{})
	// Someone creates a topic between plan and apply: the create fails, the others succeed.
	mustCreate(t, adm, archived, 6, nil)

	applied, err := topicplan.Apply(context.Background(), adm, p, topicplan.Options{})
	if err == nil || !strings.Contains(err.Error(), archived) {
		t.Fatalf("Apply error = %v; want one naming %s", err, archived)
	}
	if len(applied) != len(topo.Topics)-1 {
		t.Errorf("applied %d changes; want %d (all but the refused create)", len(applied), len(topo.Topics)-1)
	}
}

func TestOptionsAreValidated(t *testing.T) {
	t.Parallel()
	_, err := topicplan.Diff(context.Background(), nil, testTopology(), topicplan.Options{ReplicationFactor: -2})
	if err == nil {
		t.Fatal("Diff accepted replication factor -2")
	}
}
