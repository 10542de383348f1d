package loyalty

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/schemas"
)

// earnOnCompletion books the points of a completed reservation: once per reservation (a
// second COMPLETED event, or a replay, finds the earning and books nothing), after the
// booking is verified with svc-reservations, the member enrolled from svc-guest-profiles
// if the registration has not arrived yet, by the rule table and the member's tier. The
// event goes out before the entry is written so that a refused entry takes it back.
func (a *app) earnOnCompletion(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationStatusChanged], sb *statusBatch) error {
	v := ev.Value
	if earned := sb.earnings[v.ReservationID]; earned != nil {
		a.log.Info("reservation completed again: its points are booked already", "reservation_id", v.ReservationID,
			"entry_id", earned.ID, "event_id", ev.Meta.EventID)
		return nil
	}
	f, ok := sb.bookings[v.ReservationID]
	if !ok {
		f.booking, f.err = a.up.booking(ctx, v.ReservationID)
	}
	b, err := f.booking, f.err
	if err != nil {
		return upstreamError(err)
	}
	switch {
	case b.GuestID != v.GuestID:
		return stream.Permanent(fmt.Errorf("reservation %s belongs to guest %s at svc-reservations, not %s as the event says",
			v.ReservationID, b.GuestID, v.GuestID))
	case b.Status == "CANCELLED":
		// Cancelled since: its cancellation follows on this partition and finds nothing to
		// reverse. Logged, as every completion that earns nothing.
		a.log.Info("completed reservation is cancelled at svc-reservations: no points", "reservation_id", v.ReservationID,
			"event_id", ev.Meta.EventID)
		return nil
	case b.Status != "COMPLETED":
		// svc-reservations may not have caught up; retried, then dead-lettered.
		return fmt.Errorf("reservation %s is %s at svc-reservations, not COMPLETED", v.ReservationID, b.Status)
	}
	m, err := a.member(ctx, tx, v.GuestID, sb.members)
	if err != nil {
		return err
	}
	amount, currency, err := b.amount()
	if err != nil {
		return stream.Permanent(err)
	}
	earning, err := Earn(sb.rules, Purchase{Amount: amount, Currency: currency, TripType: b.TripType, On: ev.Meta.OccurredAt,
		TierMultiplier: a.ladder.Tier(m.Tier).multiplier()})
	if err != nil { // no base rule for the currency, or an absurd amount
		return stream.Permanent(fmt.Errorf("reservation %s: %w", v.ReservationID, err))
	}
	if earning.Points == 0 {
		a.log.Info("completed reservation earns no points", "reservation_id", v.ReservationID, "amount", b.TotalPrice.Amount,
			"currency", currency)
		return nil
	}
	now := a.now()
	expires := a.cfg.expiresOn(ev.Meta.OccurredAt)
	e := Entry{ID: derivedID(KindEarn, ev.Meta.EventID), Kind: KindEarn, Points: earning.Points, Source: ev.Meta.EventID,
		SourceEventID: &ev.Meta.EventID, ReservationID: &v.ReservationID, Reason: "COMPLETED_TRIP",
		Detail: map[string]any{"rules": earning.Rules, "amount": b.TotalPrice.Amount, "currency": currency,
			"trip_type": b.TripType, "tier": m.Tier},
		OccurredAt: ev.Meta.OccurredAt, RecordedAt: now, ExpiresOn: &expires}
	if sb.stage != nil {
		booked, err := a.stageEarning(ctx, tx, sb.stage, sb.members, m, e, now)
		if err != nil {
			return err
		}
		sb.earnings[v.ReservationID] = booked
		return nil
	}
	if err := a.emitEarned(ctx, tx, m, e); err != nil {
		return err
	}
	booked, err := a.ledger.Post(ctx, tx, m, e, Draw{})
	if err != nil {
		return err
	}
	sb.earnings[v.ReservationID] = &booked
	return a.decideTier(ctx, tx, m, now, e.ID.String())
}

// emitEarned emits loyalty-points.earned for e, an earning of the member m about to be
// booked, through q (the transaction, or a batch's queue).
func (a *app) emitEarned(ctx context.Context, q store.Execer, m *Member, e Entry) error {
	return a.emit.Emit(ctx, q, &schemas.LoyaltyPointsEarned{TransactionID: e.ID.String(), GuestID: m.GuestID,
		ReservationID: e.ReservationID, Points: e.Points, Reason: "COMPLETED_TRIP", BalanceAfter: m.Balance + e.Points,
		ExpiresOn: e.ExpiresOn}, eventID("points-earned", e.ID.String()))
}

// member is the guest's member document, locked (from the batch's locked members); a
// guest not enrolled yet (the registration has not arrived, or was before loyalty existed)
// is enrolled from the profile svc-guest-profiles answers, and joins the batch's members.
func (a *app) member(ctx context.Context, tx pgx.Tx, guestID string, locked map[string]*Member) (*Member, error) {
	if m, ok := locked[guestID]; ok {
		return m, nil
	}
	profile, err := a.up.profile(ctx, guestID)
	if err != nil {
		return nil, upstreamError(err)
	}
	if _, err := a.ledger.Enrol(ctx, tx, Member{GuestID: guestID, Tier: a.ladder.Base().Code, EnrolledAt: a.now(),
		EnrolledBy: "profile", Profile: profile}); err != nil {
		return nil, err
	}
	m, err := a.ledger.Lock(ctx, tx, guestID)
	if err != nil {
		return nil, err
	}
	locked[guestID] = m
	return m, nil
}

// reverseOnCancellation compensates the earning of a reservation cancelled after it was
// completed: a reverse entry of the same points, never an edit. Points already spent are
// still taken back (see README.md, "Reversal of spent points"): the lots are emptied,
// the earning's own lot first, and what is missing leaves the balance negative until
// later earnings pay it off. A cancellation of a reservation that earned nothing (the
// usual one, before the trip) changes nothing.
func (a *app) reverseOnCancellation(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationStatusChanged], sb *statusBatch) error {
	earned := sb.earnings[ev.Value.ReservationID]
	if earned == nil {
		return nil
	}
	if err := sb.stage.flush(ctx, tx); err != nil {
		return err
	}
	m, ok := sb.members[earned.GuestID]
	if !ok { // the event names another guest than the earning: lock the earning's
		var err error
		if m, err = a.ledger.Lock(ctx, tx, earned.GuestID); err != nil {
			return err
		}
		sb.members[earned.GuestID] = m
	}
	now := a.now()
	if err := a.expireLots(ctx, tx, m, now); err != nil {
		return err
	}
	reversal := derivedID(KindReverse, ev.Meta.EventID)
	_, err := a.ledger.Post(ctx, tx, m, Entry{ID: reversal, Kind: KindReverse,
		Points: -earned.Points, Source: ev.Meta.EventID, SourceEventID: &ev.Meta.EventID, ReservationID: earned.ReservationID,
		Reverses: &earned.ID, Reason: "reservation cancelled after completion", OccurredAt: ev.Meta.OccurredAt, RecordedAt: now},
		Draw{First: &earned.ID, Overdraw: true})
	if err != nil {
		return err
	}
	delete(sb.earnings, ev.Value.ReservationID)
	return a.decideTier(ctx, tx, m, now, reversal.String())
}
