package loyalty

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

// expireLots books out the locked member's lots whose expiry day has come (points are
// usable until the day before expires_on): one expire entry per lot, for what is left of
// it. Every debit runs it first, so a redemption never spends points that expired.
func (a *app) expireLots(ctx context.Context, tx store.DB, m *Member, now time.Time) error {
	lots, err := a.ledger.ExpiredLots(ctx, tx, m.GuestID, day(now))
	if err != nil {
		return err
	}
	for _, lot := range lots {
		id := uuid.New()
		if _, err := a.ledger.Post(ctx, tx, m, Entry{ID: id, Kind: KindExpire, Points: -lot.Remaining, Source: id.String(),
			Reason: "points expired", Detail: map[string]any{"lot": lot.EntryID, "expires_on": lot.ExpiresOn.Format(time.DateOnly)},
			OccurredAt: lot.ExpiresOn, RecordedAt: now}, Draw{First: &lot.EntryID}); err != nil {
			return err
		}
	}
	return nil
}

// expiryBatch is how many members one expiry transaction takes.
const expiryBatch = 200

// expireDueLots is the expiry worker's round: every member with expired lots, a batch per
// transaction.
func (a *app) expireDueLots(ctx context.Context) error {
	for {
		n := 0
		err := a.transact(ctx, func(ctx context.Context, tx pgx.Tx) error {
			now := a.now()
			ids, err := a.ledger.ExpiringMembers(ctx, tx, day(now), expiryBatch)
			if err != nil {
				return err
			}
			n = len(ids)
			for _, id := range ids {
				m, err := a.ledger.Lock(ctx, tx, id)
				if err != nil {
					return err
				}
				if err := a.expireLots(ctx, tx, m, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || n < expiryBatch {
			return err
		}
	}
}
