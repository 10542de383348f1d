package location

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/problem"
)

// CapacityCheck answers svc-scheduling-orchestrator's "can N more people go at time T?".
// Occupancy is the live count: the service knows who is there, not who is booked, so for a
// future T it is today's count.
type CapacityCheck struct {
	LocationID string    `json:"location_id"`
	PartySize  int       `json:"party_size"`
	At         time.Time `json:"at"`
	Capacity   *int      `json:"capacity"`
	Occupancy  int       `json:"occupancy"`
	// Available is capacity minus occupancy (never below 0); null without a capacity.
	Available *int `json:"available"`
	Open      bool `json:"open"`
	Fits      bool `json:"fits"`
	// Reason says why it does not fit: "closed" or "capacity".
	Reason string `json:"reason,omitempty"`
}

// handleCheckCapacity is GET /v1/locations/{id}/capacity?party_size=N[&at=RFC3339].
func (a *app) handleCheckCapacity(w http.ResponseWriter, r *http.Request) error {
	p := params{v: r.URL.Query()}
	if p.v.Get("party_size") == "" {
		p.fail("party_size", "is required")
	}
	party := p.integer("party_size", 1, 1, 10000)
	at := p.instant("at", a.now())
	if err := p.err(); err != nil {
		return err
	}
	l, err := getLocation(r.Context(), a.db, r.PathValue("id"))
	if err != nil {
		return err
	}
	st, err := a.hoursStatus(r.Context(), l, at)
	if err != nil {
		return err
	}
	c := CapacityCheck{LocationID: l.ID, PartySize: party, At: at.UTC(), Capacity: l.Capacity, Occupancy: l.Occupancy, Open: st.Open, Fits: true}
	if l.Capacity != nil {
		free := max(*l.Capacity-l.Occupancy, 0)
		c.Available = &free
		if party > free {
			c.Fits, c.Reason = false, "capacity"
		}
	}
	if !st.Open {
		c.Fits, c.Reason = false, "closed"
	}
	return httpedge.WriteJSON(w, http.StatusOK, c)
}

// Adjustment is the body of POST /v1/locations/{id}/occupancy-adjustments: people leaving
// (a negative delta: check-outs, a gate count) or arriving outside a check-in. Reference
// identifies it, so a retried request counts once.
type Adjustment struct {
	Reference string `json:"reference"`
	Delta     int    `json:"delta"`
	Reason    string `json:"reason"`
}

// AdjustmentResult is the location's occupancy after an adjustment.
type AdjustmentResult struct {
	LocationID string `json:"location_id"`
	Occupancy  int    `json:"occupancy"`
	Capacity   *int   `json:"capacity"`
	// Alert is the threshold crossing the adjustment caused: RISING, FALLING or "".
	Alert string `json:"alert,omitempty"`
	// Duplicate: the reference was counted before; nothing changed.
	Duplicate bool `json:"duplicate"`
}

// handleAdjustOccupancy counts an adjustment like a check-in: same lock, same thresholds,
// the alert emitted in the same transaction.
func (a *app) handleAdjustOccupancy(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), r.PathValue("id")
	var in Adjustment
	if err := httpedge.DecodeJSON(r, &in); err != nil {
		return err
	}
	var errs []problem.FieldError
	if n := len(in.Reference); n < 1 || n > 100 {
		errs = append(errs, problem.FieldError{Field: "reference", Reason: "must be 1 to 100 characters"})
	}
	if in.Delta == 0 || in.Delta < -100000 || in.Delta > 100000 {
		errs = append(errs, problem.FieldError{Field: "delta", Reason: "must be a non-zero integer from -100000 to 100000"})
	}
	if len(in.Reason) > 200 {
		errs = append(errs, problem.FieldError{Field: "reason", Reason: "must be at most 200 characters"})
	}
	if len(errs) > 0 {
		return problem.Validation("The adjustment is invalid.", errs...)
	}
	var out outcome
	err := pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		var err error
		out, err = a.applyChange(ctx, tx, change{location: id, source: "adjustment", sourceID: in.Reference,
			delta: in.Delta, reason: in.Reason, at: a.now()})
		return err
	})
	switch {
	case errors.Is(err, errUnknownLocation):
		return fault.NotFound(fmt.Sprintf("There is no location %q.", id))
	case errors.Is(err, errBelowZero):
		return fault.Conflict("occupancy-below-zero", "Occupancy would fall below zero",
			fmt.Sprintf("Occupancy of %q is %d; the adjustment would take it below zero.", id, out.occupancy-in.Delta))
	case err != nil:
		return err
	}
	status := http.StatusCreated
	if out.duplicate {
		status = http.StatusOK
	}
	return httpedge.WriteJSON(w, status, AdjustmentResult{LocationID: id, Occupancy: out.occupancy, Capacity: out.capacity,
		Alert: out.alert, Duplicate: out.duplicate})
}
