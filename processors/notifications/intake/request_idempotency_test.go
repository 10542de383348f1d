package intake_test

import (
	"context"
	"testing"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/processors/notifications/intake"
)

// TestRequestRetriedInNewEnvelope: request_id is the request's idempotency id. A caller that
// retries with a new envelope (a new metadata.event_id, the same request_id) gets no second
// notification and no second status event; another producer's request with the same id is
// its own request.
func TestRequestRetriedInNewEnvelope(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	first := request("retry-first", "BOOKING_CONFIRMATION", "NORMAL", guest(id("retry-guest")))
	retry := *first
	retry.Metadata = meta("retry-second", "notification.requested")
	other := *first
	other.Metadata = meta("retry-other-producer", "notification.requested")
	other.Metadata.Producer = "another-caller"
	r.produce(in(intake.RequestTopic, first.ReferenceID, first), in(intake.RequestTopic, retry.ReferenceID, &retry),
		in(intake.RequestTopic, other.ReferenceID, &other))
	for _, ev := range []string{first.Metadata.EventID, retry.Metadata.EventID, other.Metadata.EventID} {
		r.WaitApplied(ev)
	}

	var n int
	if err := r.Pool.QueryRow(ctx, `SELECT count(*) FROM notifications.notifications WHERE request_id = $1`,
		first.RequestID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	// email and in_app for the first producer's request, again for the other producer's.
	if n != 4 {
		t.Errorf("%d notifications for request %s, want 4 (2 channels × 2 producers; the retry adds none)", n, first.RequestID)
	}
	if got := r.rows(first.Metadata.EventID); len(got) != 2 {
		t.Errorf("first envelope: %d rows, want 2", len(got))
	}
	if got := r.rows(retry.Metadata.EventID); len(got) != 0 {
		t.Errorf("retried envelope: %d rows, want none (the first envelope's rows stand): %+v", len(got), got)
	}
	if got := r.rows(other.Metadata.EventID); len(got) != 2 {
		t.Errorf("other producer's request: %d rows, want 2", len(got))
	}
	var created int
	if err := r.Pool.QueryRow(ctx, `SELECT created FROM notifications.intake_log WHERE event_id = $1`,
		retry.Metadata.EventID).Scan(&created); err != nil {
		t.Fatal(err)
	}
	if created != 0 {
		t.Errorf("intake_log of the retry: created %d, want 0", created)
	}
	r.statusEvents(first.Metadata.EventID, 2)
	r.statusEvents(other.Metadata.EventID, 2)
	streamtest.Eventually(t, "outbox drained", func() (bool, error) {
		return r.OutboxRows(first.Metadata.EventID) == 0 && r.OutboxRows(retry.Metadata.EventID) == 0, nil
	})
	if got := r.Published(retry.Metadata.EventID); len(got) != 0 {
		t.Errorf("%d status events caused by the retry, want none", len(got))
	}
}
