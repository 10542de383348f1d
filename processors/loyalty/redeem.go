package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/outbox"
	"github.com/novatrek/support/schemas"
)

// Problem type slugs of the API.
const (
	slugInsufficient = "insufficient-points"
	slugNotMember    = "not-a-member"
	slugCancelled    = "redemption-cancelled"
	slugUnknown      = "unknown-reward"
)

// redeemRequest is what a redemption asks for.
type redeemRequest struct {
	// ID is the redemption's, derived from the request's Idempotency-Key (redemptionID).
	ID            uuid.UUID
	GuestID       string
	RewardID      string
	ReservationID *string
	Caller        string
	Lineage       event.Lineage
}

// redemptionID names the redemption a request makes by who asked, with which
// Idempotency-Key, for whom and what: the same request always names the same redemption.
func redemptionID(caller, key, guestID, rewardID string) uuid.UUID {
	return derivedID("redemption", caller, key, guestID, rewardID)
}

// notMember is the 404 of a guest who is not enrolled.
func notMember(guestID string) *fault.Error {
	f := fault.NotFound("guest " + guestID + " is not a loyalty member")
	f.Slug = slugNotMember
	return f
}

// insufficient is the 409 of a debit larger than the balance, with the balance.
func insufficient(balance, required int64) *fault.Error {
	return fault.Conflict(slugInsufficient, "Not enough points",
		fmt.Sprintf("The member has %d points; this needs %d.", balance, required)).
		With("balance", balance).With("points_required", required)
}

// redeem spends a reward's points for the member, in tx: the member locked (concurrent
// redemptions of one member queue here, so none can overdraw), expired lots booked out
// first, the points drawn from the lots that expire first, and loyalty-reward.redeemed
// emitted with the booking.
func (a *app) redeem(ctx context.Context, tx pgx.Tx, in redeemRequest) (*Redemption, int64, error) {
	m, err := a.ledger.Lock(ctx, tx, in.GuestID)
	if err != nil {
		return nil, 0, err
	}
	if m == nil {
		return nil, 0, notMember(in.GuestID)
	}
	// The request ran before, but its Idempotency-Key record was lost: with
	// LOYALTY_STORE=couchbase, a crash between the Couchbase commit and PostgreSQL's. Its
	// redemption is the answer, as the key's record would have been.
	if done, err := a.ledger.LockRedemption(ctx, tx, in.ID); err != nil || done != nil {
		return done, m.Balance, err
	}
	rw, err := a.ledger.Reward(ctx, tx, in.RewardID)
	if err != nil {
		return nil, 0, err
	}
	if rw == nil || !rw.Active {
		return nil, 0, fault.Unprocessable(slugUnknown, "Unknown reward", "No active reward "+in.RewardID+" is in the catalog.").
			With("errors", []problem.FieldError{{Field: "reward_id", Reason: "not an active reward of GET /v1/catalog"}})
	}
	now := a.now()
	if err := a.expireLots(ctx, tx, m, now); err != nil {
		return nil, 0, err
	}
	if m.Balance < rw.PointsCost {
		return nil, 0, insufficient(m.Balance, rw.PointsCost)
	}
	doc, err := json.Marshal(rw)
	if err != nil {
		return nil, 0, err
	}
	r := &Redemption{ID: in.ID, GuestID: m.GuestID, RewardID: rw.ID, Points: rw.PointsCost, ReservationID: in.ReservationID,
		Status: "active", Caller: in.Caller, Reward: doc, CreatedAt: now}
	if err := a.ledger.AddRedemption(ctx, tx, *r); err != nil {
		return nil, 0, err
	}
	rid := r.ID.String()
	if _, err := a.ledger.Post(ctx, tx, m, Entry{ID: derivedID(KindRedeem, rid), Kind: KindRedeem, Points: -rw.PointsCost,
		Source: rid, RedemptionID: &rid, ReservationID: in.ReservationID, Reason: "redeemed " + rw.ID,
		Detail: map[string]any{"reward_id": rw.ID, "caller": in.Caller}, OccurredAt: now, RecordedAt: now}, Draw{}); err != nil {
		if errors.Is(err, ErrInsufficient) {
			return nil, 0, fmt.Errorf("loyalty: member %s has balance %d but lots short of %d: %w", m.GuestID, m.Balance, rw.PointsCost, err)
		}
		return nil, 0, err
	}
	ev := &schemas.LoyaltyRewardRedeemed{RedemptionID: rid, GuestID: m.GuestID, RewardID: rw.ID, RewardName: rw.Name,
		PointsSpent: rw.PointsCost, BalanceAfter: m.Balance, ReservationID: in.ReservationID}
	if rw.ValueAmount != nil && rw.ValueCurrency != nil {
		amt, err := money.Parse(*rw.ValueAmount, *rw.ValueCurrency)
		if err != nil {
			return nil, 0, fmt.Errorf("loyalty: reward %s value: %w", rw.ID, err)
		}
		v, err := amt.ToAvro()
		if err != nil {
			return nil, 0, fmt.Errorf("loyalty: reward %s value: %w", rw.ID, err)
		}
		ev.Value = &v
	}
	if err := a.emit.Emit(ctx, tx, ev, outbox.At(now), outbox.Lineage(in.Lineage), eventID("reward-redeemed", in.ID.String())); err != nil {
		return nil, 0, err
	}
	return r, m.Balance, nil
}

// cancelRedemption puts a redemption's points back, in tx: a reverse entry that restores
// the lots the points came from (with their original expiry; a lot expired since is
// booked out at once), after paying off a negative balance first.
func (a *app) cancelRedemption(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*Redemption, int64, error) {
	r, err := a.ledger.LockRedemption(ctx, tx, id)
	if err != nil {
		return nil, 0, err
	}
	if r == nil {
		return nil, 0, fault.NotFound("no redemption " + id.String())
	}
	if r.Status == "cancelled" {
		return nil, 0, fault.Conflict(slugCancelled, "Redemption already cancelled",
			"Redemption "+id.String()+" was cancelled at "+r.CancelledAt.UTC().Format(time.RFC3339)+".")
	}
	m, err := a.ledger.Lock(ctx, tx, r.GuestID)
	if err != nil {
		return nil, 0, err
	}
	now := a.now()
	rid := r.ID.String()
	redeemed := derivedID(KindRedeem, rid)
	if _, err := a.ledger.Post(ctx, tx, m, Entry{ID: derivedID(KindReverse, rid), Kind: KindReverse, Points: r.Points,
		Source: "redemption:" + rid, RedemptionID: &rid, Reverses: &redeemed, Reason: "redemption cancelled",
		OccurredAt: now, RecordedAt: now}, Draw{}); err != nil {
		return nil, 0, err
	}
	if err := a.ledger.CancelRedemption(ctx, tx, id, now); err != nil {
		return nil, 0, err
	}
	if err := a.expireLots(ctx, tx, m, now); err != nil {
		return nil, 0, err
	}
	r.Status, r.CancelledAt = "cancelled", &now
	return r, m.Balance, nil
}

// adjustRequest is what a staff adjustment asks for.
type adjustRequest struct {
	// ID is the entry's, derived from the request's Idempotency-Key (adjustmentID).
	ID      uuid.UUID
	GuestID string
	Points  int64
	Reason  string
	Caller  string
	Lineage event.Lineage
}

// adjustmentID names the entry a staff adjustment books by who asked, with which
// Idempotency-Key, for whom, how many points and why: the same request, the same entry.
func adjustmentID(caller, key, guestID string, points int64, reason string) uuid.UUID {
	return derivedID("adjustment", caller, key, guestID, strconv.FormatInt(points, 10), reason)
}

// adjust books a staff adjustment with its reason: a credit opens a lot (and is announced
// as points earned for an ADJUSTMENT), a debit may not take more than the balance. The
// request run a second time (its Idempotency-Key record lost, as in redeem) finds its
// entry booked and answers it, with the balance as it is now.
func (a *app) adjust(ctx context.Context, tx pgx.Tx, in adjustRequest) (*Entry, error) {
	m, err := a.ledger.Lock(ctx, tx, in.GuestID)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, notMember(in.GuestID)
	}
	now := a.now()
	if err := a.expireLots(ctx, tx, m, now); err != nil {
		return nil, err
	}
	e := Entry{ID: in.ID, Kind: KindAdjust, Points: in.Points, Source: in.ID.String(), Reason: in.Reason,
		Detail: map[string]any{"caller": in.Caller}, OccurredAt: now, RecordedAt: now}
	if in.Points > 0 {
		expires := a.cfg.expiresOn(now)
		e.ExpiresOn = &expires
	}
	// Booked first, so that a second run is told ErrDuplicate before the balance it lowered
	// makes it look short; a debit the lots cannot cover is ErrInsufficient, and refused.
	booked, err := a.ledger.Post(ctx, tx, m, e, Draw{})
	switch {
	case errors.Is(err, ErrDuplicate):
		e.GuestID, e.BalanceAfter = in.GuestID, m.Balance
		return &e, nil
	case errors.Is(err, ErrInsufficient):
		return nil, insufficient(m.Balance, -in.Points)
	case err != nil:
		return nil, err
	}
	if in.Points > 0 {
		if err := a.emit.Emit(ctx, tx, &schemas.LoyaltyPointsEarned{TransactionID: in.ID.String(), GuestID: in.GuestID, Points: in.Points,
			Reason: "ADJUSTMENT", BalanceAfter: booked.BalanceAfter, ExpiresOn: e.ExpiresOn}, outbox.At(now), outbox.Lineage(in.Lineage),
			eventID("points-earned", in.ID.String())); err != nil {
			return nil, err
		}
	}
	return &booked, nil
}
