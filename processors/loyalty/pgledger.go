package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

// pgLedger is the Ledger on PostgreSQL: the tables of migrations/0001_loyalty.sql, JSONB
// for the flexible documents. Tx is a pgx transaction (or the pool, for reads).
type pgLedger struct{}

var _ Ledger[store.DB] = pgLedger{}

const memberColumns = `guest_id, tier, balance, qualifying_points, tier_since, enrolled_at, enrolled_by, profile, updated_at`

func scanMember(row pgx.Row) (*Member, error) {
	var m Member
	err := row.Scan(&m.GuestID, &m.Tier, &m.Balance, &m.QualifyingPoints, &m.TierSince, &m.EnrolledAt, &m.EnrolledBy, &m.Profile, &m.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loyalty: read member: %w", err)
	}
	return &m, nil
}

func (pgLedger) Enrol(ctx context.Context, tx store.DB, m Member) (bool, error) {
	var created bool
	// On a second enrolment the registration's attributes win over those read from the
	// profile service (the right side of || wins in jsonb).
	err := tx.QueryRow(ctx, `INSERT INTO loyalty.members (guest_id, tier, tier_since, enrolled_at, enrolled_by, profile, updated_at)
		VALUES ($1, $2, $3, $3, $4, $5, $3)
		ON CONFLICT (guest_id) DO UPDATE SET
			profile = CASE WHEN EXCLUDED.enrolled_by = 'registration' THEN members.profile || EXCLUDED.profile
				ELSE EXCLUDED.profile || members.profile END,
			updated_at = EXCLUDED.updated_at
		RETURNING xmax = 0`, m.GuestID, m.Tier, m.EnrolledAt, m.EnrolledBy, m.Profile).Scan(&created)
	if err != nil {
		return false, fmt.Errorf("loyalty: enrol %s: %w", m.GuestID, err)
	}
	return created, nil
}

func (pgLedger) Lock(ctx context.Context, tx store.DB, guestID string) (*Member, error) {
	return scanMember(tx.QueryRow(ctx, `SELECT `+memberColumns+` FROM loyalty.members WHERE guest_id = $1 FOR UPDATE`, guestID))
}

func (pgLedger) LockAll(ctx context.Context, tx store.DB, guestIDs []string) (map[string]*Member, error) {
	// The sort runs below the row locks, so the rows are locked in guest id order.
	rows, err := tx.Query(ctx, `SELECT `+memberColumns+` FROM loyalty.members WHERE guest_id = ANY($1::uuid[])
		ORDER BY guest_id FOR UPDATE`, guestIDs)
	if err != nil {
		return nil, fmt.Errorf("loyalty: lock %d members: %w", len(guestIDs), err)
	}
	defer rows.Close()
	out := make(map[string]*Member, len(guestIDs))
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out[m.GuestID] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loyalty: lock %d members: %w", len(guestIDs), err)
	}
	return out, nil
}

func (pgLedger) Member(ctx context.Context, tx store.DB, guestID string) (*Member, error) {
	return scanMember(tx.QueryRow(ctx, `SELECT `+memberColumns+` FROM loyalty.members WHERE guest_id = $1`, guestID))
}

func (l pgLedger) Post(ctx context.Context, tx store.DB, m *Member, e Entry, d Draw) (Entry, error) {
	e.GuestID = m.GuestID
	e.BalanceAfter = m.Balance + e.Points
	detail, err := json.Marshal(orEmpty(e.Detail))
	if err != nil {
		return Entry{}, fmt.Errorf("loyalty: entry detail: %w", err)
	}
	args := []any{e.ID, e.GuestID, e.Kind, e.Points, e.BalanceAfter, e.Source, e.SourceEventID, e.ReservationID,
		e.RedemptionID, e.Reverses, nullIfEmpty(e.Reason), detail, e.OccurredAt, e.RecordedAt}
	opensLot := e.Points > 0 && e.ExpiresOn != nil
	query := insertEntry + ` RETURNING seq`
	if opensLot {
		// The earning's path in one round trip: the entry, its lot (after paying off a
		// negative balance) and the balance, the last two only when the entry was new.
		query = `WITH e AS (` + insertEntry + ` RETURNING id, seq),
			l AS (INSERT INTO loyalty.lots (entry_id, guest_id, expires_on, remaining) SELECT id, $2, $15, $16 FROM e),
			m AS (UPDATE loyalty.members SET balance = $5, updated_at = $14 FROM e WHERE members.guest_id = $2)
			SELECT seq FROM e`
		args = append(args, *e.ExpiresOn, e.Points-min(e.Points, max(0, -m.Balance)))
	}
	err = tx.QueryRow(ctx, query, args...).Scan(&e.Seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return Entry{}, ErrDuplicate
	}
	if err != nil {
		return Entry{}, fmt.Errorf("loyalty: book %s of %d for %s: %w", e.Kind, e.Points, e.GuestID, err)
	}
	if opensLot {
		m.Balance, m.UpdatedAt = e.BalanceAfter, e.RecordedAt
		return e, nil
	}
	if e.Points > 0 {
		err = l.credit(ctx, tx, m, e)
	} else {
		err = l.debit(ctx, tx, m, e, d)
	}
	if err != nil {
		return Entry{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE loyalty.members SET balance = $2, updated_at = $3 WHERE guest_id = $1`,
		m.GuestID, e.BalanceAfter, e.RecordedAt); err != nil {
		return Entry{}, fmt.Errorf("loyalty: update the balance of %s: %w", m.GuestID, err)
	}
	m.Balance, m.UpdatedAt = e.BalanceAfter, e.RecordedAt
	return e, nil
}

// insertEntry books an entry unless its cause is booked already.
const insertEntry = `INSERT INTO loyalty.point_transactions (id, guest_id, kind, points, balance_after, source,
		source_event_id, reservation_id, redemption_id, reverses, reason, detail, occurred_at, recorded_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
	ON CONFLICT (guest_id, kind, source) DO NOTHING`

// credit puts the points of e, a credit without a lot of its own, back into the lots the
// reversed entry drew from, in the order they were drawn, after paying off what the
// member owes (a negative balance). (A credit opening a lot is Post's single statement.)
func (pgLedger) credit(ctx context.Context, tx store.DB, m *Member, e Entry) error {
	left := e.Points - min(e.Points, max(0, -m.Balance))
	if e.Reverses == nil {
		return fmt.Errorf("loyalty: a credit of %d for %s has neither an expiry nor an entry it reverses", e.Points, m.GuestID)
	}
	if left == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `WITH drawn AS (
			SELECT d.lot_id, d.points, sum(d.points) OVER (ORDER BY l.expires_on, d.lot_id) - d.points AS before
			FROM loyalty.lot_draws d JOIN loyalty.lots l ON l.entry_id = d.lot_id WHERE d.entry_id = $1)
		UPDATE loyalty.lots SET remaining = remaining + least(drawn.points, $2 - drawn.before)
		FROM drawn WHERE lots.entry_id = drawn.lot_id AND drawn.before < $2`, *e.Reverses, left)
	if err != nil {
		return fmt.Errorf("loyalty: restore the lots of %s: %w", *e.Reverses, err)
	}
	return nil
}

// debit takes -e.Points from the member's lots, d.First first, then the lots that expire
// first, recording each draw.
func (pgLedger) debit(ctx context.Context, tx store.DB, m *Member, e Entry, d Draw) error {
	need := -e.Points
	rows, err := tx.Query(ctx, `SELECT entry_id, remaining FROM loyalty.lots WHERE guest_id = $1 AND remaining > 0
		ORDER BY entry_id = $2 DESC, expires_on, entry_id`, m.GuestID, d.First)
	if err != nil {
		return fmt.Errorf("loyalty: read the lots of %s: %w", m.GuestID, err)
	}
	var ids []uuid.UUID
	var takes []int64
	for rows.Next() && need > 0 {
		var id uuid.UUID
		var remaining int64
		if err := rows.Scan(&id, &remaining); err != nil {
			rows.Close()
			return fmt.Errorf("loyalty: read the lots of %s: %w", m.GuestID, err)
		}
		take := min(remaining, need)
		ids, takes, need = append(ids, id), append(takes, take), need-take
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("loyalty: read the lots of %s: %w", m.GuestID, err)
	}
	if need > 0 && !d.Overdraw {
		return ErrInsufficient
	}
	if len(ids) == 0 {
		return nil
	}
	_, err = tx.Exec(ctx, `WITH draw AS (SELECT * FROM unnest($2::uuid[], $3::bigint[]) AS t(lot_id, points)),
			taken AS (UPDATE loyalty.lots SET remaining = remaining - draw.points FROM draw WHERE lots.entry_id = draw.lot_id)
		INSERT INTO loyalty.lot_draws (entry_id, lot_id, points) SELECT $1, lot_id, points FROM draw`, e.ID, ids, takes)
	if err != nil {
		return fmt.Errorf("loyalty: draw %d points from the lots of %s: %w", -e.Points, m.GuestID, err)
	}
	return nil
}

const entryColumns = `id, seq, guest_id, kind, points, balance_after, source, source_event_id, reservation_id,
	redemption_id, reverses, coalesce(reason, ''), detail, occurred_at, recorded_at`

func scanEntry(row pgx.Row) (*Entry, error) {
	var e Entry
	var detail []byte
	err := row.Scan(&e.ID, &e.Seq, &e.GuestID, &e.Kind, &e.Points, &e.BalanceAfter, &e.Source, &e.SourceEventID,
		&e.ReservationID, &e.RedemptionID, &e.Reverses, &e.Reason, &detail, &e.OccurredAt, &e.RecordedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loyalty: read an entry: %w", err)
	}
	if err := json.Unmarshal(detail, &e.Detail); err != nil {
		return nil, fmt.Errorf("loyalty: entry %s detail: %w", e.ID, err)
	}
	return &e, nil
}

// unreversed is the condition of an entry e no reverse entry compensates.
const unreversed = `NOT EXISTS (SELECT 1 FROM loyalty.point_transactions r WHERE r.reverses = e.id)`

func (pgLedger) Earnings(ctx context.Context, tx store.DB, reservationIDs []string) (map[string]*Entry, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT ON (reservation_id) `+entryColumns+` FROM loyalty.point_transactions e
		WHERE reservation_id = ANY($1::uuid[]) AND kind = 'earn' AND `+unreversed+` ORDER BY reservation_id, seq`, reservationIDs)
	if err != nil {
		return nil, fmt.Errorf("loyalty: read the earnings of %d reservations: %w", len(reservationIDs), err)
	}
	defer rows.Close()
	out := map[string]*Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out[*e.ReservationID] = e
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loyalty: read the earnings: %w", err)
	}
	return out, nil
}

func (pgLedger) Requalify(ctx context.Context, tx store.DB, m *Member, since, at time.Time) (int64, error) {
	var q int64
	err := tx.QueryRow(ctx, `UPDATE loyalty.members SET updated_at = $3, qualifying_points = (
			SELECT coalesce(sum(points), 0) FROM loyalty.point_transactions e
			WHERE guest_id = $1 AND kind = 'earn' AND occurred_at > $2 AND `+unreversed+`)
		WHERE guest_id = $1 RETURNING qualifying_points`, m.GuestID, since, at).Scan(&q)
	if err != nil {
		return 0, fmt.Errorf("loyalty: qualifying points of %s: %w", m.GuestID, err)
	}
	m.QualifyingPoints, m.UpdatedAt = q, at
	return q, nil
}

func (pgLedger) SetTier(ctx context.Context, tx store.DB, m *Member, tier string, at time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE loyalty.members SET tier = $2, tier_since = $3, updated_at = $3 WHERE guest_id = $1`,
		m.GuestID, tier, at); err != nil {
		return fmt.Errorf("loyalty: set the tier of %s: %w", m.GuestID, err)
	}
	m.Tier, m.TierSince, m.UpdatedAt = tier, at, at
	return nil
}

func (pgLedger) Rules(ctx context.Context, tx store.DB) ([]Rule, error) {
	rows, err := tx.Query(ctx, `SELECT id, kind, coalesce(currency, ''), points_per_unit::text, coalesce(trip_type, ''),
		multiplier::text, bonus, valid_from, valid_to FROM loyalty.earning_rules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("loyalty: read the earning rules: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Rule, error) {
		var r Rule
		var perUnit *string
		var mult string
		if err := row.Scan(&r.ID, &r.Kind, &r.Currency, &perUnit, &r.TripType, &mult, &r.Bonus, &r.ValidFrom, &r.ValidTo); err != nil {
			return r, fmt.Errorf("loyalty: read the earning rules: %w", err)
		}
		r.Multiplier, _ = new(big.Rat).SetString(mult)
		if perUnit != nil {
			r.PointsPerUnit, _ = new(big.Rat).SetString(*perUnit)
		}
		return r, nil
	})
}

func (pgLedger) Ladder(ctx context.Context, tx store.DB) (Ladder, error) {
	rows, err := tx.Query(ctx, `SELECT code, rank, threshold, earn_multiplier::text, doc FROM loyalty.tiers ORDER BY rank`)
	if err != nil {
		return nil, fmt.Errorf("loyalty: read the tiers: %w", err)
	}
	l, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Tier, error) {
		var t Tier
		err := row.Scan(&t.Code, &t.Rank, &t.Threshold, &t.EarnMultiplier, &t.Benefits)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("loyalty: read the tiers: %w", err)
	}
	if len(l) == 0 {
		return nil, errors.New("loyalty: the tiers table is empty")
	}
	return l, nil
}

const rewardColumns = `id, name, points_cost, value_amount::text, value_currency, active, doc`

func scanReward(row pgx.Row) (Reward, error) {
	var r Reward
	err := row.Scan(&r.ID, &r.Name, &r.PointsCost, &r.ValueAmount, &r.ValueCurrency, &r.Active, &r.Details)
	return r, err
}

func (pgLedger) Rewards(ctx context.Context, tx store.DB, activeOnly bool) ([]Reward, error) {
	rows, err := tx.Query(ctx, `SELECT `+rewardColumns+` FROM loyalty.rewards WHERE active OR NOT $1 ORDER BY points_cost, id`, activeOnly)
	if err != nil {
		return nil, fmt.Errorf("loyalty: read the rewards: %w", err)
	}
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Reward, error) { return scanReward(row) })
	if err != nil {
		return nil, fmt.Errorf("loyalty: read the rewards: %w", err)
	}
	return rs, nil
}

func (pgLedger) Reward(ctx context.Context, tx store.DB, id string) (*Reward, error) {
	r, err := scanReward(tx.QueryRow(ctx, `SELECT `+rewardColumns+` FROM loyalty.rewards WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loyalty: read reward %s: %w", id, err)
	}
	return &r, nil
}

func (pgLedger) AddRedemption(ctx context.Context, tx store.DB, r Redemption) error {
	_, err := tx.Exec(ctx, `INSERT INTO loyalty.redemptions (id, guest_id, reward_id, points, reservation_id, status, caller, reward, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.ID, r.GuestID, r.RewardID, r.Points, r.ReservationID, r.Status,
		r.Caller, r.Reward, r.CreatedAt)
	if err != nil {
		return fmt.Errorf("loyalty: store redemption %s: %w", r.ID, err)
	}
	return nil
}

func (pgLedger) LockRedemption(ctx context.Context, tx store.DB, id uuid.UUID) (*Redemption, error) {
	var r Redemption
	err := tx.QueryRow(ctx, `SELECT id, guest_id, reward_id, points, reservation_id, status, caller, reward, created_at, cancelled_at
		FROM loyalty.redemptions WHERE id = $1 FOR UPDATE`, id).Scan(&r.ID, &r.GuestID, &r.RewardID, &r.Points, &r.ReservationID,
		&r.Status, &r.Caller, &r.Reward, &r.CreatedAt, &r.CancelledAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loyalty: read redemption %s: %w", id, err)
	}
	return &r, nil
}

func (pgLedger) CancelRedemption(ctx context.Context, tx store.DB, id uuid.UUID, at time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE loyalty.redemptions SET status = 'cancelled', cancelled_at = $2 WHERE id = $1`, id, at); err != nil {
		return fmt.Errorf("loyalty: cancel redemption %s: %w", id, err)
	}
	return nil
}

func (pgLedger) Transactions(ctx context.Context, tx store.DB, guestID string, before int64, limit int) ([]Entry, error) {
	rows, err := tx.Query(ctx, `SELECT `+entryColumns+` FROM loyalty.point_transactions e
		WHERE guest_id = $1 AND ($2 = 0 OR seq < $2) ORDER BY seq DESC LIMIT $3`, guestID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("loyalty: list the entries of %s: %w", guestID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Entry, error) {
		e, err := scanEntry(row)
		if err != nil {
			return Entry{}, err
		}
		return *e, nil
	})
}

func (pgLedger) ExpiringMembers(ctx context.Context, tx store.DB, day time.Time, limit int) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT guest_id FROM loyalty.lots WHERE remaining > 0 AND expires_on <= $1 ORDER BY guest_id LIMIT $2`, day, limit)
	if err != nil {
		return nil, fmt.Errorf("loyalty: find expired lots: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out, err
}

func (pgLedger) ExpiredLots(ctx context.Context, tx store.DB, guestID string, day time.Time) ([]Lot, error) {
	rows, err := tx.Query(ctx, `SELECT entry_id, expires_on, remaining FROM loyalty.lots
		WHERE guest_id = $1 AND remaining > 0 AND expires_on <= $2 ORDER BY expires_on, entry_id`, guestID, day)
	if err != nil {
		return nil, fmt.Errorf("loyalty: read the expired lots of %s: %w", guestID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Lot])
}

func (pgLedger) TierCandidates(ctx context.Context, tx store.DB, since time.Time, limit int) ([]string, error) {
	// One aggregation over the window for every member (the spec's "N1QL queries for tier
	// recalculation", in SQL): members whose stored qualifying points are stale.
	rows, err := tx.Query(ctx, `SELECT m.guest_id::text FROM loyalty.members m
		LEFT JOIN (SELECT guest_id, sum(points) AS q FROM loyalty.point_transactions e
			WHERE kind = 'earn' AND occurred_at > $1 AND `+unreversed+` GROUP BY guest_id) w ON w.guest_id = m.guest_id
		WHERE coalesce(w.q, 0) <> m.qualifying_points ORDER BY m.guest_id LIMIT $2`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("loyalty: find members whose tier window moved: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
