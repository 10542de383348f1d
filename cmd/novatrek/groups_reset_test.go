package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// testprocSpec presents the test processor as one of our services, so `groups reset`
// treats svc-testproc as it treats svc-payments: stored offsets, inbox, rebuild. The rig
// runs the processor itself (resetRig.start); the command only reads the declaration.
func testprocSpec(tp *testproc.Processor) service.Definition {
	return &service.Spec[struct{}]{Name: testproc.Group,
		Store: service.Store{Schema: testproc.Schema, Migrations: []migrate.Set{testproc.Migrations()}}, Rebuild: tp.Rebuild}
}

// plainSpec is one of our services without a rebuild.
var plainSpec = &service.Spec[struct{}]{Name: "svc-plain", Store: service.Store{Schema: "plain"}}

// resetRig is the test processor on real PostgreSQL and kfake, with the `groups reset`
// command pointed at both.
type resetRig struct {
	t     *testing.T
	env   *kafkatest.Env
	dbURL string
	pool  *pgxpool.Pool
	cl    *kgo.Client
	adm   *kadm.Client
	tp    *testproc.Processor
	gen   testproc.Producer
}

func newResetRig(t *testing.T, partitions int32) *resetRig {
	t.Helper()
	r := &resetRig{t: t, env: kafkatest.New(t), dbURL: pgtest.URL(t), gen: testproc.Producer{Seed: t.Name(), Reservations: 40}}
	pool, err := pgxpool.New(context.Background(), r.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	r.pool = pool
	if err := testproc.Migrate(context.Background(), pool, testproc.Schema); err != nil {
		t.Fatal(err)
	}
	if r.tp, err = testproc.New(testproc.Schema, r.env.Serde); err != nil {
		t.Fatal(err)
	}
	streamtest.CreateTopics(t, r.env, partitions, testproc.CreatedTopic, testproc.StatusTopic, testproc.OutputTopic)
	streamtest.CreateTopics(t, r.env, 1, topology.DeadLetterTopic(testproc.Group))
	r.cl = r.env.Client(t)
	r.adm = kadm.NewClient(r.cl)
	return r
}

// reset runs `novatrek groups reset` with the rig's brokers and database.
func (r *resetRig) reset(args ...string) (string, error) {
	r.t.Helper()
	cmd := newGroupsResetCmd(func() []service.Definition { return []service.Definition{testprocSpec(r.tp)} })
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(append(args, "--brokers", r.env.Brokers[0], "--database-url", r.dbURL))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// start runs the test processor (per-event routes) until stopped or the test ends.
func (r *resetRig) start() *streamtest.Running {
	r.t.Helper()
	p, err := stream.New(stream.Config{
		Group: testproc.Group, Brokers: r.env.Brokers, Pool: r.pool, Schema: testproc.Schema,
		Routes: r.tp.Routes(), Serde: r.env.Serde, MaxBatchRecords: 16,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		Logger: streamtest.Logger(r.t, slog.LevelWarn),
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return streamtest.Start(r.t, p)
}

// runToEnd starts the processor, waits until its stored offsets reach the end of every
// partition of both inputs, and stops it (which commits its Kafka offsets).
func (r *resetRig) runToEnd() {
	r.t.Helper()
	run := r.start()
	ends, err := r.adm.ListEndOffsets(context.Background(), testproc.CreatedTopic, testproc.StatusTopic)
	if err != nil {
		r.t.Fatal(err)
	}
	streamtest.Eventually(r.t, "stored offsets at the end of every partition", func() (bool, error) {
		stored := r.stored()
		done := true
		ends.Each(func(o kadm.ListedOffset) {
			if o.Offset > 0 && stored[o.Topic][o.Partition] < o.Offset {
				done = false
			}
		})
		return done, nil
	})
	if err := run.Stop(); err != nil {
		r.t.Fatal(err)
	}
}

func (r *resetRig) stored() map[string]map[int32]int64 {
	r.t.Helper()
	s, err := stream.StoredOffsets(context.Background(), r.pool, testproc.Schema, testproc.Group)
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

func (r *resetRig) committed() map[string]map[int32]int64 {
	r.t.Helper()
	resp, err := r.adm.FetchOffsets(context.Background(), testproc.Group)
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string]map[int32]int64{}
	resp.Each(func(o kadm.OffsetResponse) {
		if out[o.Topic] == nil {
			out[o.Topic] = map[int32]int64{}
		}
		out[o.Topic][o.Partition] = o.At
	})
	return out
}

// rows returns a query's rows as strings, one per row, in the query's order.
func (r *resetRig) rows(sql string, args ...any) []string {
	r.t.Helper()
	rows, err := r.pool.Query(context.Background(), sql, args...)
	if err != nil {
		r.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (string, error) {
		vals, err := row.Values()
		return fmt.Sprint(vals...), err
	})
	if err != nil {
		r.t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// projection is everything the test processor derived from the events, minus the
// wall-clock columns (updated_at, applied_at).
func (r *resetRig) projection() []string {
	return slices.Concat(
		r.rows(`SELECT reservation_id, guest_id, trip_id, party_size, status, applied_events, last_status_at, out_of_order
FROM testproc.reservations ORDER BY reservation_id`),
		r.rows(`SELECT event_id, reservation_id, topic, kafka_partition, kafka_offset
FROM testproc.applied_events ORDER BY topic, kafka_partition, kafka_offset`))
}

func (r *resetRig) produce(recs ...*kgo.Record) {
	r.t.Helper()
	if err := r.cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		r.t.Fatal(err)
	}
}

func (r *resetRig) created(i int) *kgo.Record {
	r.t.Helper()
	rec, err := r.gen.CreatedRecord(context.Background(), r.env.Serde, testproc.CreatedTopic, i)
	if err != nil {
		r.t.Fatal(err)
	}
	return rec
}

func (r *resetRig) count(sql string, args ...any) int {
	r.t.Helper()
	var n int
	if err := r.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		r.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (r *resetRig) effects(i int) int {
	return r.count(`SELECT count(*) FROM testproc.applied_events WHERE event_id = $1`, r.gen.Created(i).Metadata.EventID)
}

func TestGroupsResetDryRunThenExecute(t *testing.T) {
	t.Parallel()
	r := newResetRig(t, 2)
	ctx := context.Background()
	if err := r.gen.ProduceCreated(ctx, r.cl, r.env.Serde, 0, 40); err != nil {
		t.Fatal(err)
	}
	r.runToEnd()
	stored, committed := r.stored(), r.committed()
	if !equalOffsets(stored, committed) {
		t.Fatalf("before the reset stored %v and committed %v differ", stored, committed)
	}

	out, err := r.reset("svc-testproc", "--shift-by", "-5")
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	t.Logf("dry run:\n%s", out)
	for _, want := range []string{"Dry run: nothing changed", "KAFKA-COMMITTED", "STORED", testproc.CreatedTopic} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if got := r.stored(); !equalOffsets(got, stored) {
		t.Errorf("dry run moved the stored offsets: %v, was %v", got, stored)
	}
	if got := r.committed(); !equalOffsets(got, committed) {
		t.Errorf("dry run moved the Kafka offsets: %v, was %v", got, committed)
	}
	if n := r.count(`SELECT count(*) FROM testproc.inbox`); n != 40 {
		t.Errorf("dry run touched the inbox: %d rows, want 40", n)
	}

	out, err = r.reset("svc-testproc", "--shift-by", "-5", "--execute")
	if err != nil {
		t.Fatalf("execute: %v\n%s", err, out)
	}
	want := map[string]map[int32]int64{testproc.CreatedTopic: {}}
	var back int64
	for p, next := range stored[testproc.CreatedTopic] {
		want[testproc.CreatedTopic][p] = max(next-5, 0) // clamped at the log start
		back += min(next, 5)
	}
	if got := r.stored(); !equalOffsets(got, want) {
		t.Errorf("stored offsets after --execute: %v, want %v", got, want)
	}
	if got := r.committed(); !equalOffsets(got, want) {
		t.Errorf("Kafka offsets after --execute: %v, want %v", got, want)
	}
	if n := r.count(`SELECT count(*) FROM testproc.inbox`); n != 40-int(back) {
		t.Errorf("%d inbox rows after stepping back %d records, want %d", n, back, 40-back)
	}
	if !strings.Contains(out, fmt.Sprintf("%d inbox rows forgotten", back)) {
		t.Errorf("execute output does not say %d inbox rows were forgotten:\n%s", back, out)
	}

	// The next run applies exactly those events again.
	r.runToEnd()
	if n := r.count(`SELECT count(*) FROM testproc.applied_events`); n != 40+int(back) {
		t.Errorf("%d effects after the replay, want 40 + %d", n, back)
	}
}

// TestGroupsResetOtherGroup: a group that is not one of our services has only Kafka offsets.
func TestGroupsResetOtherGroup(t *testing.T) {
	t.Parallel()
	r := newResetRig(t, 2)
	if err := r.gen.ProduceCreated(context.Background(), r.cl, r.env.Serde, 0, 20); err != nil {
		t.Fatal(err)
	}
	var offs kadm.Offsets
	offs.AddOffset(testproc.CreatedTopic, 0, 7, -1)
	offs.AddOffset(testproc.CreatedTopic, 1, 3, -1)
	if _, err := r.adm.CommitOffsets(context.Background(), "analyst-notebook", offs); err != nil {
		t.Fatal(err)
	}
	out, err := r.reset("analyst-notebook", "--to-earliest", "--partition", "0", "--execute")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	resp, err := r.adm.FetchOffsets(context.Background(), "analyst-notebook")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := resp.Lookup(testproc.CreatedTopic, 0); o.At != 0 {
		t.Errorf("partition 0 at %d after --to-earliest, want 0", o.At)
	}
	if o, _ := resp.Lookup(testproc.CreatedTopic, 1); o.At != 3 {
		t.Errorf("partition 1 moved to %d although --partition 0 was chosen", o.At)
	}
	if !strings.Contains(out, "not one of our services") {
		t.Errorf("output does not say the group is not ours:\n%s", out)
	}
}

func TestGroupsResetRefusesLiveMembers(t *testing.T) {
	t.Parallel()
	r := newResetRig(t, 1)
	if err := r.gen.ProduceCreated(context.Background(), r.cl, r.env.Serde, 0, 10); err != nil {
		t.Fatal(err)
	}
	r.start()
	var member kadm.DescribedGroupMember
	streamtest.Eventually(t, "the processor to join its group", func() (bool, error) {
		d, err := r.adm.DescribeGroups(context.Background(), testproc.Group)
		if err != nil {
			return false, err
		}
		if g := d[testproc.Group]; g.State == "Stable" && len(g.Members) == 1 {
			member = g.Members[0]
			return true, nil
		}
		return false, nil
	})
	streamtest.Eventually(t, "10 events applied", func() (bool, error) {
		return r.count(`SELECT count(*) FROM testproc.applied_events`) == 10, nil
	})
	before := r.stored()

	out, err := r.reset("svc-testproc", "--to-earliest", "--execute")
	if err == nil {
		t.Fatalf("reset --execute with a live member succeeded:\n%s", out)
	}
	for _, want := range []string{"live member", member.MemberID, "client id " + member.ClientID, "host " + member.ClientHost} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not name %q", err, want)
		}
	}
	if got := r.stored(); !equalOffsets(got, before) {
		t.Errorf("a refused reset moved the stored offsets: %v, was %v", got, before)
	}
	if n := r.count(`SELECT count(*) FROM testproc.inbox`); n != 10 {
		t.Errorf("a refused reset touched the inbox: %d rows, want 10", n)
	}
	// The dry run still shows the plan, with the same warning.
	out, err = r.reset("svc-testproc", "--to-earliest")
	if err != nil || !strings.Contains(out, member.MemberID) || !strings.Contains(out, "Dry run") {
		t.Errorf("dry run with a live member: err = %v, output:\n%s", err, out)
	}
}

// TestGroupsResetRebuildEqualsLive is the replay proof: a projection built live from
// events with duplicates at other offsets, rebuilt by reset --to-earliest --rebuild, is
// the same row for row, without asking for the live run's notifications again.
func TestGroupsResetRebuildEqualsLive(t *testing.T) {
	t.Parallel()
	r := newResetRig(t, 3)
	ctx := context.Background()
	const created, status = 120, 80
	if err := r.gen.ProduceCreated(ctx, r.cl, r.env.Serde, 0, created); err != nil {
		t.Fatal(err)
	}
	if err := r.gen.ProduceStatusChanges(ctx, r.cl, r.env.Serde, 0, status); err != nil {
		t.Fatal(err)
	}
	// Duplicates: the same events again at later offsets (an outbox relay retry).
	r.produce(r.created(3), r.created(50), r.created(119))
	if err := r.gen.ProduceStatusChanges(ctx, r.cl, r.env.Serde, 10, 15); err != nil {
		t.Fatal(err)
	}
	r.runToEnd()
	live := r.projection()
	if n := r.count(`SELECT count(*) FROM testproc.applied_events`); n != created+status {
		t.Fatalf("%d effects live, want %d (duplicates skipped)", n, created+status)
	}
	outboxLive := r.count(`SELECT count(*) FROM testproc.outbox`)

	out, err := r.reset("svc-testproc", "--to-earliest", "--rebuild", "--execute")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "Rebuild:") {
		t.Errorf("output does not report the rebuild:\n%s", out)
	}
	if n := r.count(`SELECT count(*) FROM testproc.reservations`); n != 0 {
		t.Fatalf("%d reservations left after the rebuild's truncate", n)
	}
	r.runToEnd()
	rebuilt := r.projection()
	if !slices.Equal(live, rebuilt) {
		t.Errorf("rebuilt projection differs from the live one:\nlive    %d rows\nrebuilt %d rows\nfirst difference: %s", len(live), len(rebuilt), firstDiff(live, rebuilt))
	}
	// The replayed events reached the handlers marked Replay: no notification was asked
	// for again (the guests were told during the live run).
	if n := r.count(`SELECT count(*) FROM testproc.outbox`); n != outboxLive {
		t.Errorf("%d outbox rows after the replay, want the %d of the live run", n, outboxLive)
	}
}

// TestGroupsResetToDatetime: a reset to a time in the middle re-applies exactly the events
// produced from then on, and a duplicate whose first copy is before that time stays skipped.
func TestGroupsResetToDatetime(t *testing.T) {
	t.Parallel()
	r := newResetRig(t, 2)
	ctx := context.Background()
	if err := r.gen.ProduceCreated(ctx, r.cl, r.env.Serde, 0, 30); err != nil {
		t.Fatal(err)
	}
	// Record timestamps are milliseconds: let the clock pass one before and after the point.
	point := nextMilli(time.Now())
	waitPast(point)
	if err := r.gen.ProduceCreated(ctx, r.cl, r.env.Serde, 30, 60); err != nil {
		t.Fatal(err)
	}
	r.produce(r.created(5)) // a duplicate after the point of an event before it
	r.runToEnd()

	out, err := r.reset("svc-testproc", "--to-datetime", point.Format(time.RFC3339Nano), "--execute")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	r.runToEnd()
	for i := range 60 {
		want := 1
		if i >= 30 {
			want = 2
		}
		if got := r.effects(i); got != want {
			t.Errorf("event %d applied %d times, want %d", i, got, want)
		}
	}
	if n := r.count(`SELECT count(*) FROM testproc.applied_events`); n != 90 {
		t.Errorf("%d effects, want 60 live + 30 replayed", n)
	}
	if n := r.count(`SELECT count(*) FROM testproc.outbox`); n != 60 {
		t.Errorf("%d outbox rows, want the 60 of the live run (replays ask for no notification)", n)
	}
}

func TestGroupsResetBadFlags(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"g"}, "one of --to-datetime"},
		{[]string{"g", "--to-earliest", "--to-latest"}, "choose one target"},
		{[]string{"g", "--to-latest", "--rebuild"}, "--rebuild needs --to-earliest"},
		{[]string{"g", "--to-earliest", "--rebuild", "--topic", "x"}, "drop --topic"},
		{[]string{"g", "--to-datetime", "1h"}, "--to-datetime"},
		{[]string{"g", "--to-datetime", "yesterday"}, "--to-datetime"},
		{[]string{"g", "--to-datetime", "latest"}, "is not a time"},
		{[]string{"g", "--to-offset", "-3"}, "negative"},
		{[]string{"g", "--to-earliest", "--rebuild"}, "g is not one of our services"},
		{[]string{"svc-plain", "--to-earliest", "--rebuild"}, "svc-plain does not implement a rebuild"},
	} {
		cmd := newGroupsResetCmd(func() []service.Definition { return []service.Definition{plainSpec} })
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		cmd.SetArgs(c.args)
		err := cmd.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want one saying %q", c.args, err, c.want)
		}
	}
}

func TestGroupsResetHelp(t *testing.T) {
	cmd := newGroupsResetCmd(func() []service.Definition { return nil })
	if !strings.Contains(cmd.Example, "--to-earliest --rebuild --execute") || !strings.Contains(cmd.Example, "--to-datetime -1h") {
		t.Errorf("groups reset --help lacks examples:\n%s", cmd.Example)
	}
}

func equalOffsets(a, b map[string]map[int32]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for t, ps := range a {
		if len(ps) != len(b[t]) {
			return false
		}
		for p, o := range ps {
			if bo, ok := b[t][p]; !ok || bo != o {
				return false
			}
		}
	}
	return true
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("row %d: %q vs %q", i, a[i], b[i])
		}
	}
	return "one is a prefix of the other"
}

// nextMilli is the start of the millisecond after t.
func nextMilli(t time.Time) time.Time { return t.Truncate(time.Millisecond).Add(time.Millisecond) }

// waitPast returns once the clock has passed t by a millisecond (a few ms at most).
func waitPast(t time.Time) {
	for time.Now().Before(t.Add(time.Millisecond)) {
		time.Sleep(100 * time.Microsecond)
	}
}

// TestGroupsResetRefusesMemberJoiningBeforeCommit: a member that joins after the first check
// (while the plan is printed) is caught by the second look right before the transaction
// commits, and nothing changes. Not parallel: it sets the package's beforeMemberRecheck.
func TestGroupsResetRefusesMemberJoiningBeforeCommit(t *testing.T) {
	r := newResetRig(t, 1)
	if err := r.gen.ProduceCreated(context.Background(), r.cl, r.env.Serde, 0, 10); err != nil {
		t.Fatal(err)
	}
	r.runToEnd()
	before := r.stored()

	beforeMemberRecheck = func() {
		r.start()
		streamtest.Eventually(t, "the processor to join its group", func() (bool, error) {
			d, err := r.adm.DescribeGroups(context.Background(), testproc.Group)
			if err != nil {
				return false, err
			}
			return len(d[testproc.Group].Members) == 1, nil
		})
	}
	t.Cleanup(func() { beforeMemberRecheck = nil })

	out, err := r.reset("svc-testproc", "--to-earliest", "--execute")
	if err == nil || !strings.Contains(err.Error(), "live member") {
		t.Fatalf("reset --execute with a member that joined before the commit: err = %v; want a refusal naming it\n%s", err, out)
	}
	if got := r.stored(); !equalOffsets(got, before) {
		t.Errorf("a refused reset moved the stored offsets: %v, was %v", got, before)
	}
	if n := r.count(`SELECT count(*) FROM testproc.inbox`); n != 10 {
		t.Errorf("a refused reset touched the inbox: %d rows, want 10", n)
	}
}
