package loyalty

import (
	"context"
	"fmt"

	"github.com/novatrek/support/internal/platform/store"
)

// seed writes the tier ladder, the base earning rules and a starter reward catalog when
// they are missing; rows already there (edited by the owning team) are left as they are.
// The tier codes are the LoyaltyTier symbols of loyalty-tier.changed: a new tier needs a
// new schema version first.
func seed(ctx context.Context, db store.DB) error {
	_, err := db.Exec(ctx, `
		INSERT INTO loyalty.tiers (code, rank, threshold, earn_multiplier, doc) VALUES
			('EXPLORER',    0,     0, 1.00, '{"perks": ["member prices"]}'),
			('TRAILBLAZER', 1,  1000, 1.25, '{"perks": ["member prices", "free date change"]}'),
			('SUMMIT',      2,  5000, 1.50, '{"perks": ["member prices", "free date change", "gear upgrade"]}'),
			('LEGEND',      3, 15000, 2.00, '{"perks": ["member prices", "free date change", "gear upgrade", "guide choice"]}')
		ON CONFLICT DO NOTHING;
		INSERT INTO loyalty.earning_rules (id, kind, currency, points_per_unit, trip_type, multiplier) VALUES
			('base-usd', 'base', 'USD', 1.00, NULL, 1),
			('base-cad', 'base', 'CAD', 0.75, NULL, 1),
			('base-eur', 'base', 'EUR', 1.10, NULL, 1),
			('base-gbp', 'base', 'GBP', 1.25, NULL, 1),
			('trip-expedition', 'trip_type', NULL, NULL, 'expedition', 1.5),
			('trip-multi-day', 'trip_type', NULL, NULL, 'multi_day', 1.25)
		ON CONFLICT DO NOTHING;
		INSERT INTO loyalty.rewards (id, name, points_cost, value_amount, value_currency, doc) VALUES
			('voucher-25-usd', '25 USD trip voucher', 2500, 25.00, 'USD', '{"kind": "voucher", "valid_days": 365}'),
			('gear-rental-day', 'One free gear rental day', 1200, NULL, NULL, '{"kind": "gear", "items": ["backpack", "poles"]}'),
			('guide-choice', 'Choose your guide', 4000, NULL, NULL, '{"kind": "experience", "min_notice_days": 14}')
		ON CONFLICT DO NOTHING`)
	if err != nil {
		return fmt.Errorf("loyalty: seed tiers, rules and rewards: %w", err)
	}
	return nil
}
