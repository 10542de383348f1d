package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/schemas"
)

// inGuestOrder handles a partition batch event by event, in partition order, after locking
// the members the batch touches in guest id order: the two topics are keyed by guest and
// by reservation, so batches of different partitions share members, and a batch locking
// them in event order would deadlock with another locking them in its own.
func inGuestOrder[T any](a *app, ctx context.Context, tx pgx.Tx, evs []stream.Event[T], guest func(*T) string,
	handle func(context.Context, pgx.Tx, stream.Event[T], map[string]*Member) error) error {
	ids := make([]string, 0, len(evs))
	for i := range evs {
		ids = append(ids, guest(&evs[i].Value))
	}
	slices.Sort(ids)
	members, err := a.ledger.LockAll(ctx, tx, slices.Compact(ids))
	if err != nil {
		return err
	}
	for _, ev := range evs {
		// What each event's handling emits is caused by that event.
		if err := handle(event.With(ctx, event.CausedBy(ev.Meta, ev.Headers...)), tx, ev, members); err != nil {
			return err
		}
	}
	return nil
}

// canonical is id in PostgreSQL's text form of a UUID (lower case, hyphens), which the
// maps of a batch are keyed by; an id that is no UUID is left as it is (PostgreSQL refuses
// it, and the event is dead-lettered).
func canonical(id string) string {
	if u, err := uuid.Parse(id); err == nil {
		return u.String()
	}
	return id
}

func (a *app) onGuestsRegistered(ctx context.Context, tx pgx.Tx, evs []stream.Event[schemas.GuestRegistered]) error {
	for i := range evs {
		evs[i].Value.GuestID = canonical(evs[i].Value.GuestID)
	}
	return inGuestOrder(a, ctx, tx, evs, func(g *schemas.GuestRegistered) string { return g.GuestID },
		func(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.GuestRegistered], _ map[string]*Member) error {
			return a.onGuestRegistered(ctx, tx, ev)
		})
}

// statusBatch is what a batch of status changes reads once: the earning rules, the
// bookings of its completions, its members (locked) and its reservations' earnings, kept
// current as the batch books and reverses them.
type statusBatch struct {
	rules    []Rule
	bookings map[string]fetchedBooking
	members  map[string]*Member
	earnings map[string]*Entry
	// stage books the earnings set-based when the store can (nil: Post one by one).
	stage *earningStage
}

func (a *app) onReservationStatusesChanged(ctx context.Context, tx pgx.Tx, evs []stream.Event[schemas.ReservationStatusChanged]) error {
	rules, err := a.ledger.Rules(ctx, tx)
	if err != nil {
		return err
	}
	ids := make([]string, len(evs))
	for i := range evs {
		v := &evs[i].Value
		v.ReservationID, v.GuestID = canonical(v.ReservationID), canonical(v.GuestID)
		ids[i] = v.ReservationID
	}
	earnings, err := a.ledger.Earnings(ctx, tx, ids)
	if err != nil {
		return err
	}
	sb := &statusBatch{rules: rules, bookings: a.prefetchBookings(ctx, evs), earnings: earnings, stage: newEarningStage(a.ledger)}
	err = inGuestOrder(a, ctx, tx, evs, func(r *schemas.ReservationStatusChanged) string { return r.GuestID },
		func(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationStatusChanged], members map[string]*Member) error {
			sb.members = members
			return a.onReservationStatusChanged(ctx, tx, ev, sb)
		})
	if err != nil {
		return err
	}
	return sb.stage.flush(ctx, tx)
}

// onGuestRegistered enrols the guest in the base tier, keeping the registration's
// attributes as given. A guest enrolled before (points arrived first, read from the
// profile) keeps their balance; the registration's attributes are merged in.
func (a *app) onGuestRegistered(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.GuestRegistered]) error {
	g := ev.Value
	profile, err := json.Marshal(struct {
		schemas.GuestRegistered
		Metadata struct{} `json:"-"`
	}{GuestRegistered: g})
	if err != nil {
		return stream.Permanent(fmt.Errorf("guest %s: encode the profile: %w", g.GuestID, err))
	}
	created, err := a.ledger.Enrol(ctx, tx, Member{GuestID: g.GuestID, Tier: a.ladder.Base().Code,
		EnrolledAt: ev.Meta.OccurredAt, EnrolledBy: "registration", Profile: profile})
	if err != nil {
		return err
	}
	if !created {
		a.log.Info("guest registered after enrolment from the profile: attributes merged", "guest_id", g.GuestID)
	}
	return nil
}

// onReservationStatusChanged earns points on COMPLETED and reverses them on CANCELLED; the
// other statuses do not concern loyalty.
func (a *app) onReservationStatusChanged(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationStatusChanged], sb *statusBatch) error {
	switch ev.Value.NewStatus {
	case "COMPLETED":
		return a.earnOnCompletion(ctx, tx, ev, sb)
	case "CANCELLED":
		return a.reverseOnCancellation(ctx, tx, ev, sb)
	}
	return nil
}

// upstreamError says how the consumer treats a failed call: a dependency down waits
// (transient: the partition pauses, nothing is lost); an unknown resource is retried a few
// times (the other service may not have it yet) and then dead-lettered; anything else is
// a permanent refusal, dead-lettered at once with its reason.
func upstreamError(err error) error {
	var u unavailable
	switch {
	case errors.As(err, &u):
		return stream.Transient(err)
	case errors.Is(err, errNotFound):
		return err
	}
	return stream.Permanent(err)
}
