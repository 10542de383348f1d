package stream_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// rewindStream produces, to one partition, created events 0..99 with two duplicates: event
// 10 again at offset 60 (first copy before the rewind point used below) and event 70 again
// at offset 101 (first copy after it). Event i < 60 is at offset i, event i >= 60 at i+1.
func rewindStream(t *testing.T, r *rig) {
	t.Helper()
	var recs []*kgoRecord
	for i := range 60 {
		recs = append(recs, encodeRecord(t, r, r.gen.Created(i)))
	}
	recs = append(recs, encodeRecord(t, r, r.gen.Created(10)))
	for i := 60; i < 100; i++ {
		recs = append(recs, encodeRecord(t, r, r.gen.Created(i)))
	}
	recs = append(recs, encodeRecord(t, r, r.gen.Created(70)))
	produceAll(t, r, recs)
}

// runUntil runs a fresh test processor until the stored offset of partition 0 reaches
// next, then stops it.
func runUntil(t *testing.T, r *rig, next int64) {
	t.Helper()
	p, _ := r.processor(r.pool, false, func(c *stream.Config) { c.MaxBatchRecords = 16 })
	run := streamtest.Start(t, p)
	streamtest.Eventually(t, "stored offset past the last record", func() (bool, error) {
		return r.stored()[testproc.CreatedTopic][0] >= next, nil
	})
	if err := run.Stop(); err != nil {
		t.Fatal(err)
	}
}

func rewind(t *testing.T, r *rig, to ...stream.Position) stream.RewindResult {
	t.Helper()
	var res stream.RewindResult
	err := pgx.BeginFunc(context.Background(), r.pool, func(tx pgx.Tx) error {
		var err error
		res, err = stream.Rewind(context.Background(), tx, r.schema, testproc.Group, to)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// effects returns how many times created event i was applied and at which offsets.
func effects(t *testing.T, r *rig, i int) []int64 {
	t.Helper()
	rows, err := r.pool.Query(context.Background(), `SELECT kafka_offset FROM testproc.applied_events WHERE event_id = $1 ORDER BY applied_at, kafka_offset`, r.gen.Created(i).Metadata.EventID)
	if err != nil {
		t.Fatal(err)
	}
	offs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return offs
}

// TestInboxRecordsPositions: every inbox row names the topic, partition and offset its
// event was applied at — through the optimistic claim and through the ON CONFLICT one
// (taken after a duplicate).
func TestInboxRecordsPositions(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	rewindStream(t, r)
	runUntil(t, r, 102)
	r.checkExactlyOnce(100, 0)
	if n := r.count(`SELECT count(*) FROM testproc.inbox`); n != 100 {
		t.Fatalf("%d inbox rows, want 100", n)
	}
	if n := r.count(`SELECT count(*) FROM testproc.inbox i JOIN testproc.applied_events a USING (event_id)
WHERE i.topic = a.topic AND i.partition = a.kafka_partition AND i."offset" = a.kafka_offset`); n != 100 {
		t.Errorf("%d of 100 inbox rows name the position their event was applied at", n)
	}
}

// TestRewindReappliesFromOffset rewinds a stopped group into the middle of a partition:
// exactly the events from that offset on are applied again, a duplicate whose first copy
// is before the offset stays skipped, and one whose first copy is after it is applied
// once more, at the first copy's offset.
func TestRewindReappliesFromOffset(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	rewindStream(t, r)
	runUntil(t, r, 102)

	res := rewind(t, r, stream.Position{Topic: testproc.CreatedTopic, Partition: 0, Offset: 50})
	// Events 50..99 were applied at offsets >= 50; the duplicates at 60 and 101 never were.
	if res.Forgotten != 50 || res.Unplaced != 0 {
		t.Fatalf("rewind = %+v, want 50 forgotten and none unplaced", res)
	}
	if got := r.stored()[testproc.CreatedTopic][0]; got != 50 {
		t.Fatalf("stored offset after the rewind is %d, want 50", got)
	}

	runUntil(t, r, 102)
	for i := range 100 {
		got := effects(t, r, i)
		want := 1
		if i >= 50 {
			want = 2
		}
		if len(got) != want {
			t.Errorf("created event %d applied at offsets %v, want %d times", i, got, want)
		}
	}
	if got := effects(t, r, 70); len(got) == 2 && (got[0] != 71 || got[1] != 71) {
		t.Errorf("event 70 applied at offsets %v, want its first copy (71) both times", got)
	}
	if n := r.count(`SELECT count(*) FROM testproc.applied_events`); n != 150 {
		t.Errorf("%d effects after the replay, want 100 live + 50 replayed", n)
	}
	if n := r.count(`SELECT count(*) FROM testproc.inbox`); n != 100 {
		t.Errorf("%d inbox rows after the replay, want one per distinct event (100)", n)
	}
	// The replayed events reached the handler marked Replay (testproc then asks for no
	// second notification); events past the old position are live again.
	if n := r.count(`SELECT count(*) FROM testproc.outbox`); n != 100 {
		t.Errorf("%d outbox rows after the replay, want the 100 of the live run", n)
	}
	if n := r.count(`SELECT replay_until FROM testproc.consumer_offsets`); n != 102 {
		t.Errorf("replay_until = %d, want 102 (where the partition had got)", n)
	}
	produceAll(t, r, []*kgoRecord{encodeRecord(t, r, r.gen.Created(100)), encodeRecord(t, r, r.gen.Created(101))})
	runUntil(t, r, 104)
	if n := r.count(`SELECT count(*) FROM testproc.outbox`); n != 102 {
		t.Errorf("%d outbox rows after 2 new events, want 102: records past replay_until are not replays", n)
	}
}

// TestRewindForwardOnlyMovesOffsets: a position ahead of the stored offset forgets nothing,
// and the events in between are never applied.
func TestRewindForwardOnlyMovesOffsets(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	r.produceCreated(0, 20)
	runUntil(t, r, 20)
	r.produceCreated(20, 40)

	res := rewind(t, r, stream.Position{Topic: testproc.CreatedTopic, Partition: 0, Offset: 30})
	if res.Forgotten != 0 {
		t.Fatalf("a forward move forgot %d inbox rows", res.Forgotten)
	}
	if n := r.count(`SELECT count(*) FROM testproc.consumer_offsets WHERE replay_until IS NOT NULL`); n != 0 {
		t.Errorf("a forward move set replay_until on %d partitions: nothing ahead was applied before", n)
	}
	runUntil(t, r, 40)
	if n := r.applied(); n != 30 {
		t.Errorf("%d effects, want 30: events 0..19 live, 30..39 after the move", n)
	}
	for _, i := range []int{20, 29} {
		if got := effects(t, r, i); len(got) != 0 {
			t.Errorf("skipped event %d was applied at %v", i, got)
		}
	}
}

// TestRewindUnplacedRows: rows written before the inbox recorded positions are kept by a
// rewind (and counted) but cleared by ClearInbox.
func TestRewindUnplacedRows(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	ctx := context.Background()
	if _, err := r.pool.Exec(ctx, `INSERT INTO testproc.inbox (consumer_group, event_id) VALUES ($1, $2)`,
		testproc.Group, r.gen.Created(0).Metadata.EventID); err != nil {
		t.Fatal(err)
	}
	res := rewind(t, r, stream.Position{Topic: testproc.CreatedTopic, Partition: 0, Offset: 0})
	if res.Unplaced != 1 || res.Forgotten != 0 {
		t.Fatalf("rewind = %+v, want 1 unplaced row kept", res)
	}
	var cleared int64
	if err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		var err error
		cleared, err = stream.ClearInbox(ctx, tx, r.schema, testproc.Group)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if cleared != 1 {
		t.Errorf("ClearInbox deleted %d rows, want 1", cleared)
	}
}

func TestRewindRejectsBadPositions(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	for _, c := range []struct {
		name string
		to   []stream.Position
		want string
	}{
		{"NegativeOffset", []stream.Position{{Topic: "t", Partition: 0, Offset: -1}}, "offset -1 is negative"},
		{"Twice", []stream.Position{{Topic: "t", Offset: 1}, {Topic: "t", Offset: 2}}, "t/0 is given twice"},
		{"NoTopic", []stream.Position{{Partition: 3}}, "no topic"},
	} {
		err := pgx.BeginFunc(context.Background(), r.pool, func(tx pgx.Tx) error {
			_, err := stream.Rewind(context.Background(), tx, r.schema, testproc.Group, c.to)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one saying %q", c.name, err, c.want)
		}
	}
}
