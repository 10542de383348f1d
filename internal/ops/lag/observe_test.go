package lag_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/testkit/kafkatest"
)

// stamp is the timestamp of record i of seed: a minute apart, starting two hours ago.
func stamp(t0 time.Time, i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }

// seed creates topic with one partition and produces n records timestamped stamp(t0, i).
func seed(t *testing.T, cl *kgo.Client, topic string, n int, t0 time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, -1, nil, topic); err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
	for i := range n {
		r := &kgo.Record{Topic: topic, Value: []byte(fmt.Sprint(i)), Timestamp: stamp(t0, i)}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatalf("produce %s #%d: %v", topic, i, err)
		}
	}
}

// commit commits offset at for group on topic's partition 0, as a group with no members.
func commit(t *testing.T, cl *kgo.Client, group, topic string, at int64) {
	t.Helper()
	var os kadm.Offsets
	os.AddOffset(topic, 0, at, -1)
	resp, err := kadm.NewClient(cl).CommitOffsets(context.Background(), group, os)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("commit %s at %d for %s: %v", topic, at, group, err)
	}
}

func findGroup(t *testing.T, snap lag.Snapshot, name string) lag.Group {
	t.Helper()
	for _, g := range snap.Groups {
		if g.Group == name {
			return g
		}
	}
	t.Fatalf("group %s missing from the snapshot (%d groups)", name, len(snap.Groups))
	return lag.Group{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.001 }

// TestStoppedGroup: a group that committed offset k of N and has no member: lag N-k, lag
// seconds the age of record k; status STOP when it is one of ours, EMPTY and inactive when
// nobody runs it (an ad-hoc group left behind), until its offsets move again; a declared
// group the cluster does not know is listed as Dead; a caught-up group without members is OK.
func TestStoppedGroup(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	cl := env.Client(t)
	now := time.Now().Truncate(time.Millisecond)
	t0 := now.Add(-2 * time.Hour)
	const topic, n, k = "lagtest.stopped", 10, 4
	seed(t, cl, topic, n, t0)
	commit(t, cl, "g-stopped", topic, k)
	commit(t, cl, "g-done", topic, n)
	commit(t, cl, "g-behind", topic, 1) // another group on the same partition, further back
	commit(t, cl, "svc-stopped", topic, k)

	obs, err := lag.New(lag.Config{Client: cl, Groups: []string{"svc-declared", "svc-stopped"}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := obs.Observe(context.Background())
	if err != nil {
		t.Fatalf("observe: %v", err)
	}
	g := findGroup(t, snap, "g-stopped")
	if len(g.Members) != 0 || len(g.Partitions) != 1 {
		t.Fatalf("g-stopped: %d members, %d partitions; want 0 and 1: %+v", len(g.Members), len(g.Partitions), g)
	}
	p := g.Partitions[0]
	wantSeconds := now.Sub(stamp(t0, k)).Seconds()
	if p.Committed != k || p.End != n || p.HighWater != n || p.Lag != n-k || !near(p.LagSeconds, wantSeconds) || p.Member != "" {
		t.Errorf("g-stopped partition = %+v; want committed %d, end %d, lag %d, lag seconds %.0f, no member", p, k, n, n-k, wantSeconds)
	}
	if g.Lag != n-k || !near(g.LagSeconds, wantSeconds) || g.Status != lag.EMPTY || !g.Inactive || p.Status != lag.EMPTY {
		t.Errorf("g-stopped: lag %d, lag seconds %f, status %s (%s), inactive %t; want %d, %f, EMPTY, inactive",
			g.Lag, g.LagSeconds, g.Status, g.Reason, g.Inactive, n-k, wantSeconds)
	}
	if ours := findGroup(t, snap, "svc-stopped"); ours.Status != lag.STOP || ours.Inactive || !ours.Ours {
		t.Errorf("svc-stopped (ours, same offsets): status %s (%s), inactive %t, ours %t; want STOP, active, ours",
			ours.Status, ours.Reason, ours.Inactive, ours.Ours)
	}
	if g.State != "Empty" {
		t.Errorf("g-stopped state %q; want Empty", g.State)
	}

	done := findGroup(t, snap, "g-done")
	if done.Lag != 0 || done.LagSeconds != 0 || done.Status != lag.OK {
		t.Errorf("g-done: lag %d, seconds %f, status %s; want 0, 0, OK", done.Lag, done.LagSeconds, done.Status)
	}
	behind := findGroup(t, snap, "g-behind")
	if want := now.Sub(stamp(t0, 1)).Seconds(); behind.Lag != n-1 || !near(behind.LagSeconds, want) {
		t.Errorf("g-behind: lag %d, seconds %f; want %d, %f", behind.Lag, behind.LagSeconds, n-1, want)
	}
	declared := findGroup(t, snap, "svc-declared")
	if declared.State != "Dead" || !declared.Ours || declared.Status != lag.OK || len(declared.Partitions) != 0 {
		t.Errorf("svc-declared = %+v; want Dead, ours, OK, no partitions", declared)
	}

	// The observation is cached: a second one with the group unmoved reads no record, and
	// still gives the same lag seconds; after a commit the cache moves with it.
	commit(t, cl, "g-stopped", topic, k+2)
	snap, err = obs.Observe(context.Background(), "g-stopped")
	if err != nil {
		t.Fatal(err)
	}
	g = findGroup(t, snap, "g-stopped")
	if want := now.Sub(stamp(t0, k+2)).Seconds(); g.Lag != n-k-2 || !near(g.LagSeconds, want) {
		t.Errorf("after commit at %d: lag %d, seconds %f; want %d, %f", k+2, g.Lag, g.LagSeconds, n-k-2, want)
	}
	if len(snap.Groups) != 1 {
		t.Errorf("observing one named group returned %d groups", len(snap.Groups))
	}
	// Offsets that move without a member (a tool that commits without joining) are someone
	// running the group.
	if g.Inactive || g.Status != lag.OK {
		t.Errorf("after a commit without members: status %s (%s), inactive %t; want OK, active", g.Status, g.Reason, g.Inactive)
	}
}

// TestStuckConsumer: a live member that consumes but never commits: the partition is owned,
// lag and lag seconds are those of the committed offset, and the second observation says
// STALL. Once the member leaves, the group is STOP.
func TestStuckConsumer(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	cl := env.Client(t)
	now := time.Now().Truncate(time.Millisecond)
	t0 := now.Add(-time.Hour)
	const topic, group, n, k = "lagtest.stuck", "g-stuck", 8, 3
	seed(t, cl, topic, n, t0)
	commit(t, cl, group, topic, k)

	member, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.DisableAutoCommit(), kgo.ClientID("stuck-consumer"))
	if err != nil {
		t.Fatal(err)
	}
	defer member.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if fs := member.PollFetches(ctx); fs.NumRecords() == 0 {
		t.Fatalf("the member consumed nothing: %v", fs.Errors())
	}

	clock := now
	obs, err := lag.New(lag.Config{Client: cl, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	var g lag.Group
	deadline := time.Now().Add(10 * time.Second)
	for { // the group is Stable once the join completed; poll for it
		snap, err := obs.Observe(ctx, group)
		if err != nil {
			t.Fatal(err)
		}
		g = findGroup(t, snap, group)
		if g.State == "Stable" && len(g.Partitions) == 1 && g.Partitions[0].Member != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("group never became Stable with an owned partition: %+v", g)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(g.Members) != 1 || g.Members[0].ClientID != "stuck-consumer" || g.Members[0].Host == "" ||
		len(g.Members[0].Assigned[topic]) != 1 {
		t.Errorf("members = %+v; want the one stuck-consumer with partition 0 of %s", g.Members, topic)
	}
	p := g.Partitions[0]
	wantSeconds := now.Sub(stamp(t0, k)).Seconds()
	if p.Committed != k || p.Lag != n-k || !near(p.LagSeconds, wantSeconds) || p.Member != "stuck-consumer" {
		t.Errorf("partition = %+v; want committed %d, lag %d, lag seconds %.0f, member stuck-consumer", p, k, n-k, wantSeconds)
	}

	clock = clock.Add(30 * time.Second)
	snap, err := obs.Observe(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	g = findGroup(t, snap, group)
	if g.Status != lag.STALL || !strings.Contains(g.Reason, "did not move") {
		t.Errorf("stuck member: status %s (%s); want STALL", g.Status, g.Reason)
	}
	if want := wantSeconds + 30; !near(g.LagSeconds, want) {
		t.Errorf("lag seconds 30s later = %f; want %f (from the cached timestamp)", g.LagSeconds, want)
	}

	member.Close() // leaves the group
	deadline = time.Now().Add(10 * time.Second)
	for {
		clock = clock.Add(30 * time.Second)
		snap, err = obs.Observe(ctx, group)
		if err != nil {
			t.Fatal(err)
		}
		g = findGroup(t, snap, group)
		if g.State == "Empty" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("group never became Empty after its member left: %+v", g)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The window still holds observations with the member, so it is STALL until they age
	// out; a fresh observer (a one-shot `groups lag`) that counts the group as ours sees
	// STOP at once (one that does not sees a group nobody runs: EMPTY, TestStoppedGroup).
	fresh, err := lag.New(lag.Config{Client: cl, Groups: []string{group}})
	if err != nil {
		t.Fatal(err)
	}
	snap, err = fresh.Observe(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	if g = findGroup(t, snap, group); g.Status != lag.STOP || len(g.Members) != 0 {
		t.Errorf("after the member left: status %s (%s), %d members; want STOP, 0", g.Status, g.Reason, len(g.Members))
	}
}

// TestOurGroupsReportEveryConsumedPartition: a group of Config.Consumes is reported on every
// partition of its topics. One that never ran (Dead) is STOP with the lag counted from the
// log start and the age of the first record; one that committed on one topic only (Empty)
// also shows the other with everything waiting there. An external group that committed on
// the same one topic still shows only that topic.
func TestOurGroupsReportEveryConsumedPartition(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	cl := env.Client(t)
	now := time.Now().Truncate(time.Millisecond)
	t0 := now.Add(-time.Hour)
	const a, b, empty, n = "lagtest.ours.a", "lagtest.ours.b", "lagtest.ours.empty", 5
	seed(t, cl, a, n, t0)
	seed(t, cl, b, n, t0)
	seed(t, cl, empty, 0, t0)
	commit(t, cl, "svc-half", a, n)
	commit(t, cl, "g-external", a, n)

	obs, err := lag.New(lag.Config{Client: cl, Now: func() time.Time { return now }, Consumes: map[string][]string{
		"svc-never": {a, b},
		"svc-half":  {a, b},
		"svc-idle":  {empty},
	}})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := obs.Observe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantSeconds := now.Sub(stamp(t0, 0)).Seconds()

	never := findGroup(t, snap, "svc-never")
	if never.State != "Dead" || !never.Ours || never.Status != lag.STOP || never.Lag != 2*n || !near(never.LagSeconds, wantSeconds) ||
		len(never.Partitions) != 2 || strings.Join(never.Topics, ",") != a+","+b {
		t.Errorf("svc-never = %+v; want Dead, ours, STOP, lag %d over both topics, lag seconds %f", never, 2*n, wantSeconds)
	}
	for _, p := range never.Partitions {
		if p.Committed != -1 || p.Start != 0 || p.End != n || p.Lag != n || p.Status != lag.STOP {
			t.Errorf("svc-never partition %+v; want no commit, lag %d from the log start, STOP", p, n)
		}
	}

	half := findGroup(t, snap, "svc-half")
	if half.State != "Empty" || half.Status != lag.STOP || half.Lag != n || len(half.Partitions) != 2 {
		t.Fatalf("svc-half = %+v; want Empty, STOP, lag %d on %s[0] besides the caught-up %s[0]", half, n, b, a)
	}
	if pa, pb := half.Partitions[0], half.Partitions[1]; pa.Topic != a || pa.Lag != 0 || pa.Status != lag.OK ||
		pb.Topic != b || pb.Committed != -1 || pb.Lag != n || pb.Status != lag.STOP || !near(pb.LagSeconds, wantSeconds) {
		t.Errorf("svc-half partitions = %+v; want %s caught up and %s lagging %d from the start, STOP", half.Partitions, a, b, n)
	}

	idle := findGroup(t, snap, "svc-idle")
	if idle.Status != lag.OK || idle.Lag != 0 || len(idle.Partitions) != 1 {
		t.Errorf("svc-idle = %+v; want OK with one partition and no lag: nothing waits on its empty topic", idle)
	}

	ext := findGroup(t, snap, "g-external")
	if ext.Ours || len(ext.Partitions) != 1 || ext.Partitions[0].Topic != a || ext.Status != lag.OK {
		t.Errorf("g-external = %+v; want not ours, only %s[0], OK", ext, a)
	}
}
