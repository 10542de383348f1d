package deadletter_test

import (
	"context"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/deadletter"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// TestConcurrentRedrivesSendOnce runs the same re-drive from two places at once: each dead
// letter is sent by exactly one of them.
func TestConcurrentRedrivesSendOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := streamtest.NewHarness(t, subject())
	st := migratedStore(t)
	poison(t, h, 5, 6, 7)
	letters := read(t, h, deadletter.Filter{})
	before := len(streamtest.ReadTopic(t, h.Env, testproc.CreatedTopic))

	plans := make([]*deadletter.Redrive, 2)
	for i := range plans {
		var err error
		if plans[i], err = st.Plan(ctx, deadletter.Request{Group: h.S.Group, Letters: letters, By: "tester"}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, len(plans))
	for i, p := range plans {
		wg.Go(func() { errs[i] = st.Execute(ctx, producer(t, h), p) })
	}
	wg.Wait()
	sent := 0
	for i, p := range plans {
		if errs[i] != nil {
			t.Fatalf("re-drive %d: %v", i, errs[i])
		}
		for _, it := range p.Items {
			if it.Record.Status == deadletter.StatusSent {
				sent++
			}
		}
	}
	after := len(streamtest.ReadTopic(t, h.Env, testproc.CreatedTopic))
	if sent != len(letters) || after-before != len(letters) {
		t.Errorf("two concurrent re-drives of %d dead letters sent %d (topic grew by %d); want each once", len(letters), sent, after-before)
	}
}

// TestFailedSendIsNotARedrive: a record the broker refuses is recorded as failed, the
// command fails, and a later re-drive sends it (it was never sent).
func TestFailedSendIsNotARedrive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := streamtest.NewHarness(t, subject())
	st := migratedStore(t)
	// A dead letter naming a source partition the topic does not have.
	h.Produce(&kgo.Record{Topic: dlqTopic, Key: []byte("k"), Value: []byte("v"), Headers: []kgo.RecordHeader{
		{Key: stream.HeaderSourceTopic, Value: []byte(testproc.CreatedTopic)},
		{Key: stream.HeaderSourcePartition, Value: []byte("7")},
		{Key: stream.HeaderSourceOffset, Value: []byte("0")},
		{Key: stream.HeaderError, Value: []byte("boom")},
		{Key: stream.HeaderErrorKind, Value: []byte("permanent")},
		{Key: stream.HeaderTime, Value: []byte("2026-11-24T10:00:00Z")},
	}})
	letters := read(t, h, deadletter.Filter{})
	if len(letters) != 1 || !letters[0].Redrivable() || letters[0].Source.Partition != 7 {
		t.Fatalf("read %+v; want one re-drivable dead letter from partition 7", letters)
	}
	rd, err := st.Plan(ctx, deadletter.Request{Group: h.S.Group, Letters: letters, By: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Execute(ctx, producer(t, h), rd); err == nil {
		t.Fatalf("re-drive to a partition that does not exist succeeded")
	}
	if r := rd.Items[0].Record; r.Status != deadletter.StatusFailed || r.Error == "" {
		t.Errorf("item after a refused send: status %s error %q; want failed with the error", r.Status, r.Error)
	}
	hist, err := st.History(ctx, h.S.Group, 0)
	if err != nil || len(hist) != 1 || hist[0].Status != deadletter.StatusFailed {
		t.Fatalf("history %+v (%v); want one failed row", hist, err)
	}
	rd, err = st.Plan(ctx, deadletter.Request{Group: h.S.Group, Letters: letters, By: "tester"})
	if err != nil || rd.Items[0].Action != deadletter.Send {
		t.Errorf("plan after a failed send: %v, action %s; want send", err, rd.Items[0].Action)
	}
}

// TestLetterWithoutHeaders: a record on the dead-letter topic that the runtime did not
// write is listed with its problems and never re-driven.
func TestLetterWithoutHeaders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := streamtest.NewHarness(t, subject())
	st := deadletter.NewStore(pgtest.NewDB(t), "")
	h.Produce(&kgo.Record{Topic: dlqTopic, Value: []byte("x"), Headers: []kgo.RecordHeader{
		{Key: stream.HeaderSourcePartition, Value: []byte("two")},
	}})
	letters := read(t, h, deadletter.Filter{})
	if len(letters) != 1 || letters[0].Redrivable() || len(letters[0].Problems) < 2 {
		t.Fatalf("read %+v; want one letter with problems", letters)
	}
	rd, err := st.Plan(ctx, deadletter.Request{Group: h.S.Group, Letters: letters, By: "tester"})
	if err != nil || rd.Items[0].Action != deadletter.SkipInvalid || rd.Items[0].Problem == "" {
		t.Fatalf("plan: %v, %+v; want skip-invalid with the problem", err, rd.Items)
	}
	if err := st.Execute(ctx, producer(t, h), rd); err != nil {
		t.Errorf("execute with nothing to send: %v", err)
	}
}
