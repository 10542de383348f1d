package deadletter_test

import (
	"context"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/deadletter"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

// TestRedriveAppliesOnceAfterFix is the whole story: a poison event is dead-lettered, the
// handler is fixed, the re-drive sends it back once with its headers, the processor
// applies it exactly once, and a second run of the same re-drive sends nothing.
func TestRedriveAppliesOnceAfterFix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := streamtest.NewHarness(t, subject())
	st := migratedStore(t)

	bad := h.S.Failing(1)
	src := poison(t, h, 1)[0]
	if n := h.Effects(bad.EventID); n != 0 {
		t.Fatalf("poison event applied %d times before the fix", n)
	}
	letters := read(t, h, deadletter.Filter{EventIDs: []string{bad.EventID}})
	if len(letters) != 1 {
		t.Fatalf("%d dead letters with event id %s, want 1", len(letters), bad.EventID)
	}
	l := letters[0]
	if l.Source != (deadletter.Position{Topic: src.Topic, Partition: src.Partition, Offset: src.Offset}) || l.Kind != string(stream.KindPermanent) {
		t.Fatalf("dead letter says source %v kind %q; want %s[%d]@%d permanent", l.Source, l.Kind, src.Topic, src.Partition, src.Offset)
	}

	fix(t, h)
	rd := redrive(t, st, h, letters, false)
	it := rd.Items[0]
	if it.Action != deadletter.Send || it.Record.Status != deadletter.StatusSent || it.Record.Target.Offset < 0 {
		t.Fatalf("re-drive item: action %s status %s target %v; want sent", it.Action, it.Record.Status, it.Record.Target)
	}
	h.WaitApplied(bad.EventID)

	// The record on the source topic: original key, value and headers, then the dead
	// letter's, then the re-drive's.
	sent := recordAt(t, h, it.Record.Target)
	if string(sent.Key) != string(src.Key) || !slices.Equal(sent.Value, src.Value) || sent.Partition != src.Partition {
		t.Errorf("re-driven record differs from the original: key %q partition %d", sent.Key, sent.Partition)
	}
	if sent.Headers[0].Key != "traceparent" || string(sent.Headers[0].Value) != string(src.Headers[0].Value) {
		t.Errorf("re-driven record does not start with the original headers: %v", sent.Headers)
	}
	for k, want := range map[string]string{
		deadletter.HeaderRedriveID:            rd.ID,
		deadletter.HeaderRedriveBy:            "tester",
		deadletter.HeaderRedriveFromTopic:     dlqTopic,
		deadletter.HeaderRedriveFromOffset:    "0",
		deadletter.HeaderRedriveFromPartition: "0",
		stream.HeaderSourceOffset:             "0",
	} {
		if got, _ := streamtest.Header(sent, k); got != want {
			t.Errorf("re-driven record header %s = %q, want %q", k, got, want)
		}
	}

	// The audit row.
	hist, err := st.History(ctx, h.S.Group, 0)
	if err != nil || len(hist) != 1 {
		t.Fatalf("history: %v, %d rows, want 1", err, len(hist))
	}
	r := hist[0]
	if r.RedriveID != rd.ID || r.Status != deadletter.StatusSent || r.Target != it.Record.Target ||
		r.EventID != bad.EventID || r.By != "tester" || r.Note != "fixed" || r.DeadLetter != l.At || r.Reason != l.Reason {
		t.Errorf("audit row %+v does not describe the re-drive %s of %v", r, rd.ID, l.At)
	}

	// Again: skipped, nothing sent.
	end := endOffset(t, h, src.Topic, src.Partition)
	rd2 := redrive(t, st, h, read(t, h, deadletter.Filter{EventIDs: []string{bad.EventID}}), false)
	if got := rd2.Items[0]; got.Action != deadletter.SkipRedriven || got.Previous == nil || got.Previous.RedriveID != rd.ID {
		t.Fatalf("second re-drive: action %s previous %+v; want skipped because of %s", got.Action, got.Previous, rd.ID)
	}
	if e := endOffset(t, h, src.Topic, src.Partition); e != end {
		t.Errorf("second re-drive moved the end of %s[%d] from %d to %d", src.Topic, src.Partition, end, e)
	}
	if hist, _ := st.History(ctx, h.S.Group, 0); len(hist) != 1 {
		t.Errorf("second re-drive wrote %d rows in all, want the first one only", len(hist))
	}
	if n := h.Effects(bad.EventID); n != 1 {
		t.Errorf("re-driven event applied %d times, want 1", n)
	}
}

// TestRedriveFailsAgain re-drives without a fix: the record becomes a new dead letter that
// carries the re-drive's headers. Running the same re-drive again sends neither (the old one
// was re-driven, the new one is that re-drive's result); --again sends either.
func TestRedriveFailsAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := streamtest.NewHarness(t, subject())
	st := migratedStore(t)
	bad := h.S.Failing(2)
	poison(t, h, 2)
	first := read(t, h, deadletter.Filter{})
	redrive(t, st, h, first, false)
	streamtest.Eventually(t, "the re-driven poison dead-lettered again", func() (bool, error) {
		return len(h.DeadLetters()) == 2, nil
	})
	all := read(t, h, deadletter.Filter{EventIDs: []string{bad.EventID}})
	if len(all) != 2 {
		t.Fatalf("%d dead letters of %s, want 2", len(all), bad.EventID)
	}
	again := all[1]
	if again.Redrives != 1 || again.At == first[0].At {
		t.Fatalf("new dead letter at %v says %d earlier re-drives; want a new position and 1", again.At, again.Redrives)
	}
	if again.Source.Offset == first[0].Source.Offset {
		t.Errorf("new dead letter names the old source offset %d; want the re-driven record's", again.Source.Offset)
	}
	if s := deadletter.Summarize(all); s.Total != 2 || s.Redriven != 1 {
		t.Errorf("summary %+v; want 2 dead letters, 1 of them re-driven before", s)
	}

	// The same re-drive again sends nothing: the old letter was re-driven, and the new one
	// is what that re-drive dead-lettered.
	rd := redrive(t, st, h, all, false)
	if rd.Items[0].Action != deadletter.SkipRedriven || rd.Items[1].Action != deadletter.SkipRedriven {
		t.Fatalf("re-drive run twice: actions %s, %s; want both skipped", rd.Items[0].Action, rd.Items[1].Action)
	}
	if p := rd.Items[1].Previous; p == nil || p.DeadLetter != first[0].At {
		t.Fatalf("new dead letter skipped because of %+v; want the re-drive of %v", p, first[0].At)
	}

	// After a second fix, --again sends the new one.
	fix(t, h)
	rd = redrive(t, st, h, all[1:], true)
	if rd.Items[0].Action != deadletter.Send {
		t.Fatalf("--again on the new dead letter: action %s; want send", rd.Items[0].Action)
	}
	h.WaitApplied(bad.EventID)

	// --again sends the first one once more; the inbox now knows the event: no second effect.
	rd = redrive(t, st, h, all[:1], true)
	if rd.Items[0].Action != deadletter.Send || rd.Items[0].Record.Status != deadletter.StatusSent {
		t.Fatalf("--again: action %s status %s; want sent", rd.Items[0].Action, rd.Items[0].Record.Status)
	}
	hist, err := st.History(ctx, h.S.Group, 0)
	if err != nil || len(hist) != 3 {
		t.Fatalf("history: %v, %d rows; want 3", err, len(hist))
	}
	streamtest.Eventually(t, "the processor past the --again record", func() (bool, error) {
		return storedOffset(ctx, h, rd.Items[0].Record.Target) > rd.Items[0].Record.Target.Offset, nil
	})
	if n := h.Effects(bad.EventID); n != 1 {
		t.Errorf("event applied %d times, want 1", n)
	}
}

// TestDryRunSendsNothing plans without executing: no record, no row.
func TestDryRunSendsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := streamtest.NewHarness(t, subject())
	st := deadletter.NewStore(pgtest.NewDB(t), "")
	src := poison(t, h, 3, 4)
	end := endOffset(t, h, src[0].Topic, src[0].Partition)
	rd, err := st.Plan(ctx, deadletter.Request{Group: h.S.Group, Letters: read(t, h, deadletter.Filter{}), By: "tester"})
	if err != nil {
		t.Fatalf("plan on a database without the table: %v", err)
	}
	if rd.Count(deadletter.Send) != 2 {
		t.Errorf("plan sends %d, want 2", rd.Count(deadletter.Send))
	}
	if e := endOffset(t, h, src[0].Topic, src[0].Partition); e != end {
		t.Errorf("plan moved the end of the source partition from %d to %d", end, e)
	}
	if hist, err := st.History(ctx, h.S.Group, 0); err != nil || len(hist) != 0 {
		t.Errorf("plan left %d rows (err %v)", len(hist), err)
	}
}

func redrive(t *testing.T, st *deadletter.Store, h *streamtest.Harness, letters []deadletter.Letter, again bool) *deadletter.Redrive {
	t.Helper()
	ctx := context.Background()
	rd, err := st.Plan(ctx, deadletter.Request{Group: h.S.Group, Letters: letters, By: "tester", Note: "fixed", Again: again})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if err := st.Execute(ctx, producer(t, h), rd); err != nil {
		t.Fatalf("execute: %v", err)
	}
	return rd
}

func recordAt(t *testing.T, h *streamtest.Harness, at deadletter.Position) *kgo.Record {
	t.Helper()
	for _, r := range streamtest.ReadTopic(t, h.Env, at.Topic) {
		if r.Partition == at.Partition && r.Offset == at.Offset {
			return r
		}
	}
	t.Fatalf("no record at %v", at)
	return nil
}

func endOffset(t *testing.T, h *streamtest.Harness, topic string, partition int32) int64 {
	t.Helper()
	var end int64
	for _, r := range streamtest.ReadTopic(t, h.Env, topic) {
		if r.Partition == partition {
			end = r.Offset + 1
		}
	}
	return end
}

// storedOffset is the processor's next offset for at's partition, from its store.
func storedOffset(ctx context.Context, h *streamtest.Harness, at deadletter.Position) int64 {
	var off int64
	_ = h.Pool.QueryRow(ctx, `SELECT next_offset FROM `+h.S.Schema+`.consumer_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = $3`,
		h.S.Group, at.Topic, at.Partition).Scan(&off)
	return off
}
