package loyalty

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

// earningStage books a consumer batch's earnings set-based when the store is an
// EarningBatcher: each earning is decided and booked in memory in event order (balance,
// lot, qualifying points, tier, the events in a pipelined queue), exactly as Post and
// decideTier would one by one, and flush writes them all: the queued events in one round
// trip, then entries, lots and members in one statement. Before anything else writes to
// the ledger in the batch (a reversal), the stage is flushed, so that write sees what
// the earnings before it booked.
type earningStage struct {
	store EarningBatcher[store.DB]
	// qualifying are the members whose QualifyingPoints are fresh for the batch's window
	// (read once per batch, then kept current in memory).
	qualifying map[string]bool
	earnings   []StagedEarning
	touched    []*Member
	changed    map[string]bool
	// events are the outbox statements of the staged earnings, in order.
	events *pgx.Batch
}

func newEarningStage(l Ledger[store.DB]) *earningStage {
	b, ok := l.(EarningBatcher[store.DB])
	if !ok {
		return nil
	}
	return &earningStage{store: b, qualifying: map[string]bool{}, changed: map[string]bool{}, events: &pgx.Batch{}}
}

// freshen reads, in one query, the qualifying points of the locked members not read yet.
func (s *earningStage) freshen(ctx context.Context, tx pgx.Tx, members map[string]*Member, since time.Time) error {
	var ids []string
	for id := range members {
		if !s.qualifying[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	q, err := s.store.Qualifying(ctx, tx, ids, since)
	if err != nil {
		return err
	}
	for _, id := range ids {
		members[id].QualifyingPoints = q[id]
		s.qualifying[id] = true
	}
	return nil
}

// earn books e, an earning opening a lot, for the locked member m in memory and decides
// the tier after it, as Post and decideTier do; its event is queued first.
func (a *app) stageEarning(ctx context.Context, tx pgx.Tx, s *earningStage, members map[string]*Member, m *Member, e Entry, now time.Time) (*Entry, error) {
	since := a.cfg.windowStart(now)
	if err := s.freshen(ctx, tx, members, since); err != nil {
		return nil, err
	}
	e.GuestID, e.BalanceAfter = m.GuestID, m.Balance+e.Points
	if err := a.emitEarned(ctx, store.Queue{B: s.events}, m, e); err != nil {
		return nil, err
	}
	s.earnings = append(s.earnings, StagedEarning{Entry: e, LotPoints: e.Points - min(e.Points, max(0, -m.Balance))})
	m.Balance, m.UpdatedAt = e.BalanceAfter, now
	if e.OccurredAt.After(since) {
		m.QualifyingPoints += e.Points
	}
	if !s.changed[m.GuestID] {
		s.changed[m.GuestID] = true
		s.touched = append(s.touched, m)
	}
	err := a.moveTier(ctx, store.Queue{B: s.events}, m, m.QualifyingPoints, now, e.ID.String(), func(tier string) error {
		m.Tier, m.TierSince = tier, now
		return nil
	})
	return &e, err
}

// flush writes what the stage holds: the queued events, then the earnings and the
// members they changed.
func (s *earningStage) flush(ctx context.Context, tx pgx.Tx) error {
	if s == nil || len(s.earnings) == 0 {
		return nil
	}
	if s.events.Len() > 0 {
		if err := tx.SendBatch(ctx, s.events).Close(); err != nil {
			return fmt.Errorf("loyalty: enqueue the events of %d earnings: %w", len(s.earnings), err)
		}
	}
	if err := s.store.PostEarnings(ctx, tx, s.earnings, s.touched); err != nil {
		return err
	}
	s.earnings, s.touched, s.changed, s.events = nil, nil, map[string]bool{}, &pgx.Batch{}
	return nil
}
