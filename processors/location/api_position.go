package location

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/problem"
)

// GuestPosition answers svc-emergency-response's "Get last known guest GPS position".
type GuestPosition struct {
	GuestID        string    `json:"guest_id"`
	Latitude       float64   `json:"latitude"`
	Longitude      float64   `json:"longitude"`
	AccuracyMeters *float64  `json:"accuracy_meters"`
	Source         string    `json:"source"`
	RecordedAt     time.Time `json:"recorded_at"`
	ReservationID  *string   `json:"reservation_id"`
	// NearestPlace is our named place nearest to the fix, to tell a rescue team where that is.
	NearestPlace *Nearby `json:"nearest_place"`
}

// handleGuestPosition is GET /v1/guests/{id}/position.
func (a *app) handleGuestPosition(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), r.PathValue("id")
	if _, err := uuid.Parse(id); err != nil {
		return problem.Validation("The guest id is invalid.", problem.FieldError{Field: "id", Reason: "must be a UUID"})
	}
	var g GuestPosition
	err := a.db.QueryRow(ctx, `SELECT guest_id::text, latitude, longitude, accuracy_meters, source, recorded_at, reservation_id::text
		FROM locations.guest_positions WHERE guest_id = $1`, id).
		Scan(&g.GuestID, &g.Latitude, &g.Longitude, &g.AccuracyMeters, &g.Source, &g.RecordedAt, &g.ReservationID)
	if errors.Is(err, pgx.ErrNoRows) {
		return fault.NotFound(fmt.Sprintf("No position is known for guest %s.", id))
	}
	if err != nil {
		return fmt.Errorf("position of guest %s: %w", id, err)
	}
	near, err := nearest(ctx, a.db, g.Latitude, g.Longitude, 0, "", 1)
	if err != nil {
		return err
	}
	if len(near) > 0 {
		g.NearestPlace = &near[0]
	}
	return httpedge.WriteJSON(w, http.StatusOK, g)
}
