package loyalty

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/schemas"
)

// decideTier recalculates the locked member's tier from the points earned in the window
// ending at now (Ladder.Decide) and emits loyalty-tier.changed when it changes; cause names
// what moved it (an entry's id, or the day of a window recalculation) for the event's id.
func (a *app) decideTier(ctx context.Context, tx store.DB, m *Member, now time.Time, cause string) error {
	q, err := a.ledger.Requalify(ctx, tx, m, a.cfg.windowStart(now), now)
	if err != nil {
		return err
	}
	return a.moveTier(ctx, tx, m, q, now, cause, func(tier string) error { return a.ledger.SetTier(ctx, tx, m, tier, now) })
}

// moveTier decides the member's tier for q qualifying points (Ladder.Decide) and, when it
// changes, moves it with set and emits loyalty-tier.changed through emitTo.
func (a *app) moveTier(ctx context.Context, emitTo store.Execer, m *Member, q int64, now time.Time, cause string, set func(tier string) error) error {
	t := a.ladder.Decide(m.Tier, q, a.cfg.TierHysteresisPercent)
	if t.Code == m.Tier {
		return nil
	}
	prev := a.ladder.Tier(m.Tier)
	if err := set(t.Code); err != nil {
		return err
	}
	direction := "PROMOTION"
	if t.Rank < prev.Rank {
		direction = "DEMOTION"
	}
	return a.emit.Emit(ctx, emitTo, &schemas.LoyaltyTierChanged{GuestID: m.GuestID, PreviousTier: prev.Code, NewTier: t.Code,
		Direction: direction, QualifyingPoints: q, EffectiveAt: now}, eventID("tier-changed", m.GuestID, cause, t.Code))
}

// tierBatch is how many members one recalculation transaction takes.
const tierBatch = 200

// recalculateTiers decides the tier again for every member whose qualifying points moved
// with the window (earnings that left it), a batch per transaction.
func (a *app) recalculateTiers(ctx context.Context) error {
	for {
		n := 0
		err := a.transact(ctx, func(ctx context.Context, tx pgx.Tx) error {
			now := a.now()
			ids, err := a.ledger.TierCandidates(ctx, tx, a.cfg.windowStart(now), tierBatch)
			if err != nil {
				return err
			}
			n = len(ids)
			for _, id := range ids {
				m, err := a.ledger.Lock(ctx, tx, id)
				if err != nil {
					return err
				}
				if err := a.decideTier(ctx, tx, m, now, "window/"+now.UTC().Format(time.DateOnly)); err != nil {
					return fmt.Errorf("recalculate the tier of %s: %w", id, err)
				}
			}
			return nil
		})
		if err != nil || n < tierBatch {
			return err
		}
	}
}
