package streamtest

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// testStoredOffsets: the offsets the processor resumes from live in the store and move in the
// batch's transaction. Once events are applied, one snapshot of the store shows each
// partition's next offset just past its last applied record; with the group's Kafka offsets
// deleted, a restarted processor resumes from the store: it sees no duplicate (it would re-read
// everything from the start if it relied on Kafka) and applies new events.
func testStoredOffsets(t *testing.T, s Subject) {
	h := NewHarness(t, s)
	var first []Event
	var recs []*kgo.Record
	for i := range 12 {
		ev := s.Valid(45 + i)
		first = append(first, ev)
		recs = append(recs, record(ev.Key, h.Encode(ev)))
	}
	h.Produce(recs...)
	for _, ev := range first {
		h.WaitApplied(ev.EventID)
	}
	want := map[int32]int64{} // partition → last produced offset + 1
	for _, r := range recs {
		want[r.Partition] = max(want[r.Partition], r.Offset+1)
	}
	if got := storedOffsets(t, h); !mapsEqual(got, want) {
		t.Errorf("stored next offsets %v, want %v (last applied + 1 per partition)", got, want)
	}

	h.Stop()
	deleteGroup(t, h)
	h.Restart()
	var more []Event
	recs = nil
	for i := range 6 {
		ev := s.Valid(57 + i)
		more = append(more, ev)
		recs = append(recs, record(ev.Key, h.Encode(ev)))
	}
	h.Produce(recs...)
	for _, ev := range more {
		h.WaitApplied(ev.EventID)
	}
	if n := Metric(t, h.Metrics, "novatrek_stream_records_total", map[string]string{"outcome": "duplicate"}); n != 0 {
		t.Errorf("restarted processor saw %v duplicates: it did not resume from the stored offsets", n)
	}
	for _, ev := range append(first, more...) {
		if n := h.Effects(ev.EventID); n != 1 {
			t.Errorf("event %s has %d effects, want 1", ev.EventID, n)
		}
	}
}

// storedOffsets reads the group's next offsets of the input topic in one REPEATABLE READ
// snapshot.
func storedOffsets(t *testing.T, h *Harness) map[int32]int64 {
	t.Helper()
	ctx := context.Background()
	tx, err := h.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	rows, err := tx.Query(ctx, `SELECT partition, next_offset FROM `+pgx.Identifier{h.S.Schema, "consumer_offsets"}.Sanitize()+
		` WHERE consumer_group = $1 AND topic = $2`, h.S.Group, h.S.Input)
	if err != nil {
		t.Fatalf("read stored offsets: %v", err)
	}
	got := map[int32]int64{}
	var p int32
	var next int64
	if _, err := pgx.ForEachRow(rows, []any{&p, &next}, func() error { got[p] = next; return nil }); err != nil {
		t.Fatalf("read stored offsets: %v", err)
	}
	return got
}

// deleteGroup deletes the stopped group from Kafka, committed offsets and all; it retries
// while the broker still counts the leaving member.
func deleteGroup(t *testing.T, h *Harness) {
	t.Helper()
	adm := kadm.NewClient(h.Env.Client(t))
	Eventually(t, "group "+h.S.Group+" deleted from Kafka", func() (bool, error) {
		r, err := adm.DeleteGroup(context.Background(), h.S.Group)
		if err != nil {
			return false, err
		}
		return r.Err == nil, nil
	})
	offs, err := adm.FetchOffsets(context.Background(), h.S.Group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return
	}
	if err != nil {
		t.Fatalf("fetch offsets of the deleted group: %v", err)
	}
	if n := len(offs.Offsets()); n != 0 {
		t.Fatalf("deleted group still has %d committed offsets in Kafka", n)
	}
}

func mapsEqual(a, b map[int32]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
