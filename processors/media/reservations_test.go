package media

import (
	"net/http"
	"testing"
	"time"
)

// TestOlderStatusEventsDoNotOverwriteNewerOnes: a cancellation that happened before the
// confirmation we already hold (delivered late) leaves the reservation confirmed, so its
// guest may upload; a later cancellation closes it.
func TestOlderStatusEventsDoNotOverwriteNewerOnes(t *testing.T) {
	t.Parallel()
	svc := start(t)
	now := time.Now()
	confirmed := statusEvent("late", "CONFIRMED", now)
	late := statusEvent("late", "CANCELLED", now.Add(-time.Hour))
	late.Metadata.EventID = "5f0c9a52-0000-4000-8000-00000000000a" // statusEvent derives one id per status
	svc.Publish(TopicReservationStatus, confirmed.ReservationID, confirmed)
	svc.AwaitApplied(confirmed.Metadata.EventID)
	svc.Publish(TopicReservationStatus, late.ReservationID, late)
	svc.AwaitApplied(late.Metadata.EventID)
	ask := func() int {
		return svc.Call(CallerApp, "POST", "/v1/uploads", map[string]any{"reservation_id": confirmed.ReservationID,
			"uploaded_by": confirmed.GuestID, "uploader_type": "GUEST", "content_type": "image/png"}).Status
	}
	if s := ask(); s != http.StatusCreated {
		t.Errorf("after a late, older cancellation: %d; want 201 (still confirmed)", s)
	}
	cancelled := statusEvent("late", "CANCELLED", now.Add(time.Hour))
	cancelled.Metadata.EventID = "5f0c9a52-0000-4000-8000-00000000000b"
	svc.Publish(TopicReservationStatus, cancelled.ReservationID, cancelled)
	svc.AwaitApplied(cancelled.Metadata.EventID)
	if s := ask(); s != http.StatusUnprocessableEntity {
		t.Errorf("after a newer cancellation: %d; want 422", s)
	}
}
