package intake

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/schemas"
)

// The handlers of the support domain's own results that topics.yaml lists svc-notifications
// as a consumer of: a refund (svc-payments), a tier change and a reward redemption
// (svc-loyalty-rewards). Their routes are in routes.go; these only map the events' fields.
// svc-weather's events are in weather.go.

func (in *Intake) paymentRefunded(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.PaymentRefunded]) error {
	v := &ev.Value
	return in.event(ctx, tx, ev.Meta, ev.Topic, "payment.refunded", fields{
		SourceGuest: people("GUEST", v.GuestID),
	}, map[string]any{
		"refund_id": v.RefundID, "payment_id": v.PaymentID, "reservation_id": v.ReservationID,
		"amount": money(v.Amount), "full_refund": strconv.FormatBool(v.FullRefund), "reason": v.Reason,
	})
}

func (in *Intake) loyaltyTierChanged(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.LoyaltyTierChanged]) error {
	v := &ev.Value
	return in.event(ctx, tx, ev.Meta, ev.Topic, "loyalty_tier.changed", fields{
		SourceGuest: people("GUEST", v.GuestID),
	}, map[string]any{
		"direction": v.Direction, "previous_tier": v.PreviousTier, "new_tier": v.NewTier,
		"qualifying_points": strconv.FormatInt(v.QualifyingPoints, 10), "effective_at": stamp(v.EffectiveAt),
	})
}

func (in *Intake) loyaltyRewardRedeemed(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.LoyaltyRewardRedeemed]) error {
	v := &ev.Value
	value := ""
	if v.Value != nil {
		value = money(*v.Value)
	}
	return in.event(ctx, tx, ev.Meta, ev.Topic, "loyalty_reward.redeemed", fields{
		SourceGuest: people("GUEST", v.GuestID),
	}, map[string]any{
		"redemption_id": v.RedemptionID, "reward_id": v.RewardID, "reward_name": v.RewardName,
		"points_spent": strconv.FormatInt(v.PointsSpent, 10), "balance_after": strconv.FormatInt(v.BalanceAfter, 10),
		"reservation_id": deref(v.ReservationID), "value": value,
	})
}
