// Package deadlettertest makes real dead letters for tests of dead-letter tooling: it runs
// the test processor (internal/testkit/testproc) on the stream runtime, feeds it poison, and fixes
// the handler afterwards, so a re-drive can be seen to apply.
package deadlettertest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// Traceparent is the header every poison record carries, to check that headers survive.
const Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

// Subject is the test processor with per-event routes: its created handler rejects a
// reservation with party_size 0 permanently (CHECK constraint, SQLSTATE 23514).
func Subject() streamtest.Subject { return testproc.Subject("deadletter", false) }

// Poison produces the failing events i... and
// waits until each is dead-lettered. It returns the produced records.
func Poison(t testing.TB, h *streamtest.Harness, is ...int) []*kgo.Record {
	t.Helper()
	var recs []*kgo.Record
	for _, i := range is {
		ev := h.S.Failing(i)
		recs = append(recs, Record(ev.Key, h.Encode(ev)))
	}
	return Produce(t, h, recs...)
}

// Record is a record with key, value and the Traceparent header.
func Record(key string, value []byte) *kgo.Record {
	return &kgo.Record{Key: []byte(key), Value: value,
		Headers: []kgo.RecordHeader{{Key: "traceparent", Value: []byte(Traceparent)}}}
}

// Produce produces poison records to the input topic and waits until each is
// dead-lettered.
func Produce(t testing.TB, h *streamtest.Harness, recs ...*kgo.Record) []*kgo.Record {
	t.Helper()
	want := len(h.DeadLetters()) + len(recs)
	h.Produce(recs...)
	streamtest.Eventually(t, "poison dead-lettered", func() (bool, error) {
		return len(h.DeadLetters()) >= want, nil
	})
	return recs
}

// Fix drops the rule the poison broke, as a release fixing the handler would.
func Fix(t testing.TB, h *streamtest.Harness) {
	t.Helper()
	if _, err := h.Pool.Exec(context.Background(), `ALTER TABLE `+pgx.Identifier{h.S.Schema, "reservations"}.Sanitize()+
		` DROP CONSTRAINT reservations_party_size_check`); err != nil {
		t.Fatalf("fixing the handler: %v", err)
	}
}
