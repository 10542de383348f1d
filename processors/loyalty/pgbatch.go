package loyalty

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

var _ EarningBatcher[store.DB] = pgLedger{}

func (pgLedger) Qualifying(ctx context.Context, tx store.DB, guestIDs []string, since time.Time) (map[string]int64, error) {
	rows, err := tx.Query(ctx, `SELECT guest_id::text, sum(points) FROM loyalty.point_transactions e
		WHERE guest_id = ANY($1::uuid[]) AND kind = 'earn' AND occurred_at > $2 AND `+unreversed+` GROUP BY guest_id`, guestIDs, since)
	if err != nil {
		return nil, fmt.Errorf("loyalty: qualifying points of %d members: %w", len(guestIDs), err)
	}
	out := make(map[string]int64, len(guestIDs))
	var id string
	var q int64
	_, err = pgx.ForEachRow(rows, []any{&id, &q}, func() error {
		out[id] = q
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loyalty: qualifying points of %d members: %w", len(guestIDs), err)
	}
	return out, nil
}

// PostEarnings writes the batch in one statement: the entries in order (so their seq
// follows the events), the lots of those that were new, and the members' documents. A
// cause booked already inserts no entry; the count of new entries tells, and the caller's
// rollback takes the rest back.
func (pgLedger) PostEarnings(ctx context.Context, tx store.DB, es []StagedEarning, members []*Member) error {
	if len(es) == 0 {
		return nil
	}
	n := len(es)
	ids, guests, sources, events, reservations := make([]string, n), make([]string, n), make([]string, n), make([]*string, n), make([]*string, n)
	points, balances, lots := make([]int64, n), make([]int64, n), make([]int64, n)
	reasons, details := make([]*string, n), make([]string, n)
	occurred, recorded, expires := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	for i, e := range es {
		if e.Points <= 0 || e.ExpiresOn == nil {
			return fmt.Errorf("loyalty: entry %s of %d points for %s opens no lot: not an earning", e.ID, e.Points, e.GuestID)
		}
		d, err := json.Marshal(orEmpty(e.Detail))
		if err != nil {
			return fmt.Errorf("loyalty: entry detail: %w", err)
		}
		ids[i], guests[i], sources[i], events[i], reservations[i] = e.ID.String(), e.GuestID, e.Source, e.SourceEventID, e.ReservationID
		points[i], balances[i], lots[i] = e.Points, e.BalanceAfter, e.LotPoints
		reasons[i], details[i] = nullIfEmpty(e.Reason), string(d)
		occurred[i], recorded[i], expires[i] = e.OccurredAt, e.RecordedAt, *e.ExpiresOn
	}
	m := len(members)
	mIDs, mBalances, mQualifying := make([]string, m), make([]int64, m), make([]int64, m)
	mTiers, mSince, mUpdated := make([]string, m), make([]time.Time, m), make([]time.Time, m)
	for i, mb := range members {
		mIDs[i], mBalances[i], mQualifying[i] = mb.GuestID, mb.Balance, mb.QualifyingPoints
		mTiers[i], mSince[i], mUpdated[i] = mb.Tier, mb.TierSince, mb.UpdatedAt
	}
	var inserted int
	err := tx.QueryRow(ctx, `WITH v AS (
			SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::bigint[], $5::text[], $6::uuid[], $7::uuid[],
				$8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::date[], $13::bigint[])
				WITH ORDINALITY AS v(id, guest_id, points, balance_after, source, source_event_id, reservation_id, reason, detail,
					occurred_at, recorded_at, expires_on, lot, n)),
		e AS (INSERT INTO loyalty.point_transactions (id, guest_id, kind, points, balance_after, source, source_event_id,
				reservation_id, reason, detail, occurred_at, recorded_at)
			SELECT id, guest_id, 'earn', points, balance_after, source, source_event_id, reservation_id, reason, detail::jsonb,
				occurred_at, recorded_at FROM v ORDER BY n
			ON CONFLICT (guest_id, kind, source) DO NOTHING RETURNING id),
		l AS (INSERT INTO loyalty.lots (entry_id, guest_id, expires_on, remaining)
			SELECT v.id, v.guest_id, v.expires_on, v.lot FROM v JOIN e USING (id)),
		m AS (UPDATE loyalty.members SET balance = u.balance, qualifying_points = u.qualifying, tier = u.tier,
				tier_since = u.tier_since, updated_at = u.updated_at
			FROM unnest($14::uuid[], $15::bigint[], $16::bigint[], $17::text[], $18::timestamptz[], $19::timestamptz[])
				AS u(guest_id, balance, qualifying, tier, tier_since, updated_at)
			WHERE members.guest_id = u.guest_id)
		SELECT count(*) FROM e`,
		ids, guests, points, balances, sources, events, reservations, reasons, details, occurred, recorded, expires, lots,
		mIDs, mBalances, mQualifying, mTiers, mSince, mUpdated).Scan(&inserted)
	if err != nil {
		return fmt.Errorf("loyalty: book %d earnings: %w", n, err)
	}
	if inserted != n {
		return ErrDuplicate
	}
	return nil
}
