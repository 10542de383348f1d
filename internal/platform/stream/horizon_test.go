package stream_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// TestDuplicateBeyondInboxHorizon documents what happens to a duplicate that arrives after
// the inbox pruned its first copy: within the retention it is skipped; beyond it the
// inbox has forgotten the id and the event is applied again — which the runtime cannot
// prevent, but reports (novatrek_stream_beyond_inbox_horizon_total and one WARN line),
// because the event occurred longer ago than the retention.
func TestDuplicateBeyondInboxHorizon(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	// A short retention stands in for the default week; the event occurs now.
	const retention = 3 * time.Second
	gen := testproc.Producer{Seed: t.Name(), Base: time.Now()}
	ev := gen.Created(0)
	id := ev.Metadata.EventID
	logs, logger := streamtest.CaptureLogs(t, slog.LevelWarn)
	p, reg := r.processor(r.pool, false, func(cfg *stream.Config) {
		cfg.InboxRetention = retention
		cfg.PruneInterval = 50 * time.Millisecond
		cfg.Logger = logger
	})
	streamtest.Start(t, p)
	beyond := func() float64 { return metric(t, reg, "novatrek_stream_beyond_inbox_horizon_total", nil) }
	duplicates := func() float64 {
		return metric(t, reg, "novatrek_stream_records_total", map[string]string{"outcome": "duplicate"})
	}
	effects := func() int {
		n, err := testproc.Effects(context.Background(), r.pool, testproc.Schema, id)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Within the retention: the second copy is skipped by the inbox.
	produceAll(t, r, []*kgoRecord{encodeRecord(t, r, ev), encodeRecord(t, r, ev)})
	streamtest.Eventually(t, "the copy within the retention skipped", func() (bool, error) { return duplicates() == 1, nil })
	if n := effects(); n != 1 {
		t.Fatalf("event applied %d times within the inbox retention, want 1", n)
	}
	if b := beyond(); b != 0 {
		t.Fatalf("%v events counted beyond the horizon while the event is younger than the retention", b)
	}

	// The retention passes and the prune loop forgets the id.
	streamtest.Eventually(t, "the event's inbox row pruned", func() (bool, error) {
		return r.count(`SELECT count(*) FROM testproc.inbox WHERE event_id = $1`, id) == 0, nil
	})

	// A third copy now: applied again (documented), and counted and logged as unverifiable.
	produceAll(t, r, []*kgoRecord{encodeRecord(t, r, ev)})
	streamtest.Eventually(t, "the late copy handled", func() (bool, error) { return effects() == 2, nil })
	// Counted just after the commit that applied it, so wait for the count too.
	streamtest.Eventually(t, "the late copy counted beyond the horizon", func() (bool, error) { return beyond() >= 1, nil })
	if b := beyond(); b != 1 {
		t.Errorf("novatrek_stream_beyond_inbox_horizon_total = %v, want 1 (the late copy)", b)
	}
	if d := duplicates(); d != 1 {
		t.Errorf("%v records skipped as duplicates, want only the copy within the retention", d)
	}
	lines := logs.Lines("event older than the inbox retention")
	if len(lines) != 1 || !strings.Contains(lines[0], id) {
		t.Errorf("want one WARN line naming event %s, got %q", id, lines)
	}
}
