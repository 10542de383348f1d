package streamtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/schemas"
)

// testPanic: a panic while handling chosen events (raised by a stream.Config.Intercept, so
// inside the runtime's guard, exactly where the subject's handler runs) dead-letters each of
// them with kind panic and the panic's message, while their neighbours on the same partition
// are applied, and the panics are counted.
func testPanic(t *testing.T, s Subject) {
	before, bad1, middle, bad2, after := s.Valid(40), s.Valid(41), s.Valid(42), s.Valid(43), s.Valid(44)
	panicking := map[string]bool{bad1.EventID: true, bad2.EventID: true}
	h := NewHarness(t, s, func(cfg *stream.Config) {
		cfg.Intercept = func(_ context.Context, _ string, meta schemas.EventMetadata) error {
			if panicking[meta.EventID] {
				panic("streamtest: chosen to panic on " + meta.EventID)
			}
			return nil
		}
	})
	key := before.Key // one key: one partition, in this order
	recs := h.Produce(
		record(key, h.Encode(before)),
		record(key, h.Encode(bad1), kgo.RecordHeader{Key: "streamtest-case", Value: []byte("panic 1")}),
		record(key, h.Encode(middle)),
		record(key, h.Encode(bad2), kgo.RecordHeader{Key: "streamtest-case", Value: []byte("panic 2")}),
		record(key, h.Encode(after)),
	)
	h.WaitApplied(after.EventID)
	for _, ev := range []Event{before, middle, after} {
		if n := h.Effects(ev.EventID); n != 1 {
			t.Errorf("neighbour %s of the panicking events has %d effects, want 1", ev.EventID, n)
		}
	}
	var dls []*kgo.Record
	Eventually(t, "both panicking events dead-lettered", func() (bool, error) {
		dls = h.DeadLetters()
		return len(dls) >= 2, nil
	})
	if len(dls) != 2 {
		t.Errorf("%d dead letters, want 2", len(dls))
	}
	for _, i := range []int{1, 3} {
		ev := []Event{before, bad1, middle, bad2, after}[i]
		if n := h.Effects(ev.EventID); n != 0 {
			t.Errorf("panicking event %s has %d effects, want 0", ev.EventID, n)
		}
		dl := findDeadLetter(dls, recs[i])
		if dl == nil {
			t.Errorf("panicking event %s (offset %d) was not dead-lettered", ev.EventID, recs[i].Offset)
			continue
		}
		checkDeadLetter(t, h, dl, recs[i], stream.KindPanic)
		want := fmt.Sprintf("handler panicked: streamtest: chosen to panic on %s", ev.EventID)
		if msg, _ := Header(dl, stream.HeaderError); !strings.Contains(msg, want) {
			t.Errorf("dead letter reason %q, want it to contain %q", msg, want)
		}
	}
	if n := Metric(t, h.Metrics, "novatrek_stream_panics_total", nil); n == 0 {
		t.Error("novatrek_stream_panics_total is 0 after two panics")
	}
}
