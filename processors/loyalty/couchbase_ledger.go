package loyalty

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/couchbase/gocb/v2"
	"github.com/google/uuid"
)

// cbLedger is the Ledger on Couchbase (gocb v2): scope loyalty's collections, every call in
// a Couchbase transaction (cbTx), but the reads cbPort makes outside one. Writes are transactional KV operations (Get, Insert,
// Replace); the reads that span documents (earnings by reservation, the qualifying window,
// paging, the tier and expiry scans) are the N1QL statements below, which inside a
// transaction see its own staged writes.
//
// Couchbase transactions are optimistic: Lock reads the member document, and every write of
// a balance replaces that document with the CAS of the read, so a concurrent writer of the
// same member makes one of the two attempts start again from its first read (a fresh cbTx)
// instead of both committing on the same balance. That is what makes 50 concurrent
// redemptions queue instead of overdrawing, as the PostgreSQL row lock does.
type cbLedger struct{}

var _ Ledger[*cbTx] = cbLedger{}

// cbTx is one attempt of a Couchbase transaction and the documents it read, which its
// writes replace (by their CAS). A cbTx without an attempt (ac nil: cbStore.reader) is a
// reader outside any transaction, for the reads that need none: its gets and queries read
// the committed documents under ctx, and nothing may be written with it.
type cbTx struct {
	ac          *gocb.TransactionAttemptContext
	ctx         context.Context // a reader's; an attempt's operations are bounded by the transaction
	s           *cbStore
	members     map[string]*cbHeldMember
	redemptions map[string]*gocb.TransactionGetResult
	// enqueued is set when an event went into the outbox in this attempt: only then does
	// its commit wake the relay (cbStore.inTx).
	enqueued bool
}

// cbHeldMember is a member document read in this attempt, as this attempt last wrote it
// (res is nil for a reader's).
type cbHeldMember struct {
	res *gocb.TransactionGetResult
	doc cbMemberDoc
}

// get reads the document key of c into v: in the attempt, returning the result its write
// replaces by CAS, or, for a reader, as committed (the result is then nil). found is false
// when there is no such document.
func (tx *cbTx) get(c *gocb.Collection, key string, v any) (res *gocb.TransactionGetResult, found bool, err error) {
	var doc interface{ Content(any) error }
	if tx.ac == nil {
		var got *gocb.GetResult
		got, err = c.Get(key, &gocb.GetOptions{Context: tx.ctx})
		doc = got
	} else {
		res, err = tx.ac.Get(c, key)
		doc = res
	}
	if errors.Is(err, gocb.ErrDocumentNotFound) {
		return nil, false, nil
	}
	if err == nil {
		err = doc.Content(v)
	}
	if err != nil {
		return nil, false, err
	}
	return res, true, nil
}

// member reads the member document once per attempt; nil when not enrolled.
func (tx *cbTx) member(guestID string) (*cbHeldMember, error) {
	if h, ok := tx.members[guestID]; ok {
		return h, nil
	}
	h := &cbHeldMember{}
	res, found, err := tx.get(tx.s.members, guestID, &h.doc)
	if err != nil {
		return nil, fmt.Errorf("loyalty: read member %s: %w", guestID, err)
	}
	if !found {
		return nil, nil
	}
	h.res = res
	tx.members[guestID] = h
	return h, nil
}

// write replaces the member document with doc.
func (tx *cbTx) write(h *cbHeldMember, doc cbMemberDoc) error {
	res, err := tx.ac.Replace(h.res, doc)
	if err != nil {
		return fmt.Errorf("loyalty: write member %s: %w", doc.GuestID, err)
	}
	h.res, h.doc = res, doc
	return nil
}

// cbQuery runs a N1QL statement of scope loyalty, with positional parameters ($1, $2...),
// and decodes every row into a T: in the attempt, where it sees the attempt's own writes,
// or, for a reader, on its own with request_plus consistency (the consistency of a query
// in a transaction: it sees every write committed before it).
func cbQuery[T any](tx *cbTx, stmt string, args ...any) ([]T, error) {
	var rows interface {
		Next() bool
		Row(any) error
	}
	closeRows := func() error { return nil }
	if tx.ac == nil {
		res, err := tx.s.scope.Query(stmt, &gocb.QueryOptions{PositionalParameters: args,
			ScanConsistency: gocb.QueryScanConsistencyRequestPlus, Context: tx.ctx})
		if err != nil {
			return nil, err
		}
		rows, closeRows = res, res.Close
	} else {
		res, err := tx.ac.Query(stmt, &gocb.TransactionQueryOptions{PositionalParameters: args, Scope: tx.s.scope})
		if err != nil {
			return nil, err
		}
		rows = res
	}
	var out []T
	for rows.Next() {
		var row T
		if err := rows.Row(&row); err != nil {
			_ = closeRows()
			return nil, err
		}
		out = append(out, row)
	}
	return out, closeRows() // a streamed result's error comes with its close
}

func (cbLedger) Enrol(ctx context.Context, tx *cbTx, m Member) (bool, error) {
	h, err := tx.member(m.GuestID)
	if err != nil {
		return false, err
	}
	if h == nil {
		doc := cbMemberDoc{Member: m, Lots: []cbLot{}}
		doc.Balance, doc.QualifyingPoints, doc.TierSince, doc.UpdatedAt = 0, 0, m.EnrolledAt, m.EnrolledAt
		res, err := tx.ac.Insert(tx.s.members, m.GuestID, doc)
		if err == nil {
			tx.members[m.GuestID] = &cbHeldMember{res: res, doc: doc}
			return true, nil
		}
		if !errors.Is(err, gocb.ErrDocumentExists) {
			return false, fmt.Errorf("loyalty: enrol %s: %w", m.GuestID, err)
		}
		// Enrolled by another transaction since the read: merge into theirs.
		if h, err = tx.member(m.GuestID); err != nil || h == nil {
			return false, fmt.Errorf("loyalty: enrol %s: the member exists but cannot be read: %v", m.GuestID, err)
		}
	}
	// The registration's attributes win over those read from the profile service.
	base, over := h.doc.Profile, m.Profile
	if m.EnrolledBy != "registration" {
		base, over = over, base
	}
	doc := h.doc
	if doc.Profile, err = mergeProfile(base, over); err != nil {
		return false, fmt.Errorf("loyalty: enrol %s: %w", m.GuestID, err)
	}
	doc.UpdatedAt = m.EnrolledAt
	return false, tx.write(h, doc)
}

func (cbLedger) Lock(ctx context.Context, tx *cbTx, guestID string) (*Member, error) {
	h, err := tx.member(guestID)
	if h == nil || err != nil {
		return nil, err
	}
	m := h.doc.Member
	return &m, nil
}

func (l cbLedger) LockAll(ctx context.Context, tx *cbTx, guestIDs []string) (map[string]*Member, error) {
	out := make(map[string]*Member, len(guestIDs))
	for _, id := range slices.Sorted(slices.Values(guestIDs)) {
		m, err := l.Lock(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if m != nil {
			out[id] = m
		}
	}
	return out, nil
}

func (l cbLedger) Member(ctx context.Context, tx *cbTx, guestID string) (*Member, error) {
	return l.Lock(ctx, tx, guestID)
}

func (cbLedger) Post(ctx context.Context, tx *cbTx, m *Member, e Entry, d Draw) (Entry, error) {
	if err := checkEntry(e); err != nil {
		return Entry{}, err
	}
	h, err := tx.member(m.GuestID)
	if err != nil {
		return Entry{}, err
	}
	if h == nil {
		return Entry{}, fmt.Errorf("loyalty: book %s for %s: not enrolled", e.Kind, m.GuestID)
	}
	doc := h.doc
	e.GuestID, e.BalanceAfter, e.Seq = doc.GuestID, doc.Balance+e.Points, doc.Seq+1
	entry := newCBEntry(e)
	owed := max(0, -doc.Balance) // a credit pays off a negative balance before it fills a lot
	var lotsErr error
	switch {
	case e.Points > 0 && e.ExpiresOn != nil:
		doc.Lots = slices.Clone(doc.Lots)
		if rest := e.Points - min(e.Points, owed); rest > 0 {
			doc.Lots = append(doc.Lots, cbLot{EntryID: e.ID, ExpiresOn: *entry.ExpiresOn, Remaining: rest})
		}
	case e.Points > 0:
		if e.Reverses == nil {
			return Entry{}, fmt.Errorf("loyalty: a credit of %d for %s has neither an expiry nor an entry it reverses", e.Points, m.GuestID)
		}
		var draws []cbDraw
		if rest := e.Points - min(e.Points, owed); rest > 0 {
			if draws, err = cbDrawsOf(tx, *e.Reverses); err != nil {
				return Entry{}, err
			}
			doc.Lots = restoreLots(doc.Lots, draws, rest)
		}
	default:
		doc.Lots, entry.Draws, lotsErr = drawLots(doc.Lots, -e.Points, d)
	}
	// The entry first: its key is its cause, so a second booking of the cause stops here.
	res, err := tx.ac.Insert(tx.s.entries, cbEntryKey(e.GuestID, e.Kind, e.Source), entry)
	if errors.Is(err, gocb.ErrDocumentExists) {
		return Entry{}, ErrDuplicate
	}
	if err != nil {
		return Entry{}, fmt.Errorf("loyalty: book %s of %d for %s: %w", e.Kind, e.Points, e.GuestID, err)
	}
	if lotsErr != nil {
		// Take the entry back, so that a caller going on with the transaction books nothing.
		if err := tx.ac.Remove(res); err != nil {
			return Entry{}, fmt.Errorf("loyalty: take back the refused %s of %s: %w", e.Kind, e.GuestID, err)
		}
		return Entry{}, lotsErr
	}
	doc.Balance, doc.Seq, doc.UpdatedAt = e.BalanceAfter, e.Seq, e.RecordedAt
	if err := tx.write(h, doc); err != nil {
		return Entry{}, err
	}
	m.Balance, m.UpdatedAt = e.BalanceAfter, e.RecordedAt
	return e, nil
}

// drawLots takes need points from lots, d.First first, then the lots that expire first;
// emptied lots are dropped. With d.Overdraw, what the lots lack is taken anyway (the
// balance goes negative); without, it is ErrInsufficient.
func drawLots(lots []cbLot, need int64, d Draw) ([]cbLot, []cbDraw, error) {
	lots = slices.Clone(lots)
	slices.SortFunc(lots, func(a, b cbLot) int {
		if d.First != nil && (a.EntryID == *d.First) != (b.EntryID == *d.First) {
			if a.EntryID == *d.First {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.ExpiresOn, b.ExpiresOn), cmp.Compare(a.EntryID.String(), b.EntryID.String()))
	})
	var draws []cbDraw
	for i := range lots {
		if need == 0 {
			break
		}
		take := min(lots[i].Remaining, need)
		lots[i].Remaining -= take
		need -= take
		draws = append(draws, cbDraw{LotID: lots[i].EntryID, ExpiresOn: lots[i].ExpiresOn, Points: take})
	}
	if need > 0 && !d.Overdraw {
		return nil, nil, ErrInsufficient
	}
	return slices.DeleteFunc(lots, func(l cbLot) bool { return l.Remaining == 0 }), draws, nil
}

// restoreLots puts up to points back into the lots draws took them from, the lots that
// expire first first, reopening a lot emptied since with its original expiry.
func restoreLots(lots []cbLot, draws []cbDraw, points int64) []cbLot {
	lots = slices.Clone(lots)
	draws = slices.Clone(draws)
	slices.SortFunc(draws, func(a, b cbDraw) int {
		return cmp.Or(cmp.Compare(a.ExpiresOn, b.ExpiresOn), cmp.Compare(a.LotID.String(), b.LotID.String()))
	})
	for _, dr := range draws {
		if points == 0 {
			break
		}
		back := min(dr.Points, points)
		points -= back
		if i := slices.IndexFunc(lots, func(l cbLot) bool { return l.EntryID == dr.LotID }); i >= 0 {
			lots[i].Remaining += back
		} else {
			lots = append(lots, cbLot{EntryID: dr.LotID, ExpiresOn: dr.ExpiresOn, Remaining: back})
		}
	}
	return lots
}

// cbDrawsOf reads the draws of the entry id.
func cbDrawsOf(tx *cbTx, id uuid.UUID) ([]cbDraw, error) {
	rows, err := cbQuery[[]cbDraw](tx, `SELECT RAW IFMISSINGORNULL(e.draws, []) FROM point_transactions AS e WHERE e.id = $1`, id.String())
	if err != nil {
		return nil, fmt.Errorf("loyalty: read the draws of %s: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("loyalty: the entry %s to reverse is not in the ledger", id)
	}
	return rows[0], nil
}

// cbUnreversedEarnings is the FROM clause of the earnings no reverse entry compensates:
// an anti-join on the index of reverses.
const cbUnreversedEarnings = `point_transactions AS e
	LEFT JOIN point_transactions AS r ON r.reverses = e.id
	WHERE e.kind = "earn" AND r IS MISSING`

func (cbLedger) Earnings(ctx context.Context, tx *cbTx, reservationIDs []string) (map[string]*Entry, error) {
	ids := make([]string, len(reservationIDs))
	for i := range reservationIDs {
		ids[i] = *canonicalID(&reservationIDs[i])
	}
	rows, err := cbQuery[cbEntryDoc](tx, `SELECT e.* FROM `+cbUnreversedEarnings+`
		AND e.reservation_id IN $1 ORDER BY e.reservation_id, e.seq`, ids)
	if err != nil {
		return nil, fmt.Errorf("loyalty: read the earnings of %d reservations: %w", len(ids), err)
	}
	out := map[string]*Entry{}
	for _, d := range rows {
		if _, seen := out[*d.ReservationID]; !seen {
			e := d.entry()
			out[*d.ReservationID] = &e
		}
	}
	return out, nil
}

func (cbLedger) Requalify(ctx context.Context, tx *cbTx, m *Member, since, at time.Time) (int64, error) {
	h, err := tx.member(m.GuestID)
	if err == nil && h == nil {
		err = errors.New("not enrolled")
	}
	if err != nil {
		return 0, fmt.Errorf("loyalty: qualifying points of %s: %w", m.GuestID, err)
	}
	sums, err := cbQuery[int64](tx, `SELECT RAW IFMISSINGORNULL(SUM(e.points), 0) FROM `+cbUnreversedEarnings+`
		AND e.guest_id = $1 AND e.occurred_us > $2`, m.GuestID, since.UnixMicro())
	if err == nil && len(sums) != 1 {
		err = fmt.Errorf("the sum came back as %d rows", len(sums))
	}
	if err != nil {
		return 0, fmt.Errorf("loyalty: qualifying points of %s: %w", m.GuestID, err)
	}
	doc := h.doc
	doc.QualifyingPoints, doc.UpdatedAt = sums[0], at
	if err := tx.write(h, doc); err != nil {
		return 0, err
	}
	m.QualifyingPoints, m.UpdatedAt = sums[0], at
	return sums[0], nil
}

func (cbLedger) SetTier(ctx context.Context, tx *cbTx, m *Member, tier string, at time.Time) error {
	h, err := tx.member(m.GuestID)
	if err == nil && h == nil {
		err = errors.New("not enrolled")
	}
	if err != nil {
		return fmt.Errorf("loyalty: set the tier of %s: %w", m.GuestID, err)
	}
	doc := h.doc
	doc.Tier, doc.TierSince, doc.UpdatedAt = tier, at, at
	if err := tx.write(h, doc); err != nil {
		return err
	}
	m.Tier, m.TierSince, m.UpdatedAt = tier, at, at
	return nil
}

func (cbLedger) Rules(ctx context.Context, tx *cbTx) ([]Rule, error) {
	docs, err := cbQuery[cbRuleDoc](tx, `SELECT r.* FROM earning_rules AS r WHERE r.id IS VALUED ORDER BY r.id`)
	if err != nil {
		return nil, fmt.Errorf("loyalty: read the earning rules: %w", err)
	}
	rules := make([]Rule, len(docs))
	for i, d := range docs {
		if rules[i], err = d.rule(); err != nil {
			return nil, err
		}
	}
	return rules, nil
}

func (cbLedger) Ladder(ctx context.Context, tx *cbTx) (Ladder, error) {
	l, err := cbQuery[Tier](tx, "SELECT t.* FROM tiers AS t WHERE t.`rank` IS VALUED ORDER BY t.`rank`")
	if err != nil {
		return nil, fmt.Errorf("loyalty: read the tiers: %w", err)
	}
	if len(l) == 0 {
		return nil, errors.New("loyalty: the tiers collection is empty")
	}
	return l, nil
}

func (cbLedger) Rewards(ctx context.Context, tx *cbTx, activeOnly bool) ([]Reward, error) {
	rs, err := cbQuery[Reward](tx, `SELECT r.* FROM rewards AS r WHERE r.points_cost IS VALUED AND (r.active OR NOT $1)
		ORDER BY r.points_cost, r.id`, activeOnly)
	if err != nil {
		return nil, fmt.Errorf("loyalty: read the rewards: %w", err)
	}
	return rs, nil
}

func (cbLedger) Reward(ctx context.Context, tx *cbTx, id string) (*Reward, error) {
	var r Reward
	_, found, err := tx.get(tx.s.rewards, id, &r)
	if err != nil {
		return nil, fmt.Errorf("loyalty: read reward %s: %w", id, err)
	}
	if !found {
		return nil, nil
	}
	return &r, nil
}

func (cbLedger) AddRedemption(ctx context.Context, tx *cbTx, r Redemption) error {
	r.ReservationID, r.CreatedAt = canonicalID(r.ReservationID), r.CreatedAt.UTC()
	res, err := tx.ac.Insert(tx.s.redemptions, r.ID.String(), r)
	if err != nil {
		return fmt.Errorf("loyalty: store redemption %s: %w", r.ID, err)
	}
	tx.redemptions[r.ID.String()] = res
	return nil
}

func (cbLedger) LockRedemption(ctx context.Context, tx *cbTx, id uuid.UUID) (*Redemption, error) {
	var r Redemption
	res, found, err := tx.get(tx.s.redemptions, id.String(), &r)
	if err != nil {
		return nil, fmt.Errorf("loyalty: read redemption %s: %w", id, err)
	}
	if !found {
		return nil, nil
	}
	tx.redemptions[id.String()] = res
	return &r, nil
}

func (l cbLedger) CancelRedemption(ctx context.Context, tx *cbTx, id uuid.UUID, at time.Time) error {
	res, ok := tx.redemptions[id.String()]
	if !ok {
		if r, err := l.LockRedemption(ctx, tx, id); err != nil || r == nil {
			return fmt.Errorf("loyalty: cancel redemption %s: not found (%v)", id, err)
		}
		res = tx.redemptions[id.String()]
	}
	var doc Redemption
	if err := res.Content(&doc); err != nil {
		return fmt.Errorf("loyalty: cancel redemption %s: %w", id, err)
	}
	at = at.UTC()
	doc.Status, doc.CancelledAt = "cancelled", &at
	res, err := tx.ac.Replace(res, doc)
	if err != nil {
		return fmt.Errorf("loyalty: cancel redemption %s: %w", id, err)
	}
	tx.redemptions[id.String()] = res
	return nil
}

func (cbLedger) Transactions(ctx context.Context, tx *cbTx, guestID string, before int64, limit int) ([]Entry, error) {
	if before == 0 {
		before = math.MaxInt64
	}
	docs, err := cbQuery[cbEntryDoc](tx, `SELECT e.* FROM point_transactions AS e
		WHERE e.guest_id = $1 AND e.seq < $2 ORDER BY e.seq DESC LIMIT $3`, guestID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("loyalty: list the entries of %s: %w", guestID, err)
	}
	out := make([]Entry, len(docs))
	for i, d := range docs {
		out[i] = d.entry()
	}
	return out, nil
}

func (cbLedger) ExpiringMembers(ctx context.Context, tx *cbTx, day time.Time, limit int) ([]string, error) {
	ids, err := cbQuery[string](tx, `SELECT RAW m.guest_id FROM members AS m
		WHERE ANY l IN m.lots SATISFIES l.expires_on <= $1 AND l.remaining > 0 END
		ORDER BY m.guest_id LIMIT $2`, day.UTC().Format(cbDay), limit)
	if err != nil {
		return nil, fmt.Errorf("loyalty: find expired lots: %w", err)
	}
	return ids, nil
}

func (cbLedger) ExpiredLots(ctx context.Context, tx *cbTx, guestID string, day time.Time) ([]Lot, error) {
	h, err := tx.member(guestID)
	if h == nil || err != nil {
		return nil, err
	}
	last := day.UTC().Format(cbDay)
	var out []Lot
	for _, l := range h.doc.Lots {
		if l.Remaining > 0 && l.ExpiresOn <= last {
			on, err := time.Parse(cbDay, l.ExpiresOn)
			if err != nil {
				return nil, fmt.Errorf("loyalty: a lot of %s: %w", guestID, err)
			}
			out = append(out, Lot{EntryID: l.EntryID, ExpiresOn: on, Remaining: l.Remaining})
		}
	}
	slices.SortFunc(out, func(a, b Lot) int {
		return cmp.Or(a.ExpiresOn.Compare(b.ExpiresOn), cmp.Compare(a.EntryID.String(), b.EntryID.String()))
	})
	return out, nil
}

func (cbLedger) TierCandidates(ctx context.Context, tx *cbTx, since time.Time, limit int) ([]string, error) {
	// The spec's "N1QL queries for tier recalculation": one aggregation of the window over
	// every member, joined to the members whose stored qualifying points it contradicts.
	ids, err := cbQuery[string](tx, `SELECT RAW m.guest_id FROM members AS m
		LEFT JOIN (SELECT e.guest_id, SUM(e.points) AS q FROM `+cbUnreversedEarnings+` AND e.occurred_us > $1
			GROUP BY e.guest_id) AS w ON w.guest_id = m.guest_id
		WHERE m.guest_id IS VALUED AND IFMISSINGORNULL(w.q, 0) != m.qualifying_points
		ORDER BY m.guest_id LIMIT $2`, since.UnixMicro(), limit)
	if err != nil {
		return nil, fmt.Errorf("loyalty: find members whose tier window moved: %w", err)
	}
	return ids, nil
}
