package loyalty

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/outbox"
	cboutbox "github.com/novatrek/support/outbox/couchbase"
)

// The handlers are written against Ledger[store.DB] and an Emitter[store.Execer], and get
// their PostgreSQL transaction from the runtime (whose inbox, offsets and idempotency keys
// stay in PostgreSQL). With LOYALTY_STORE=couchbase, each of their transactions also runs a
// Couchbase transaction (app.inStore), carried in the context; cbPort and cbEnqueuer put
// the handlers' ledger calls and events into it, leaving the PostgreSQL transaction alone.

// cbTxKey carries the Couchbase transaction attempt of the handler in its context.
type cbTxKey struct{}

func withCBTx(ctx context.Context, tx *cbTx) context.Context {
	return context.WithValue(ctx, cbTxKey{}, tx)
}

// ctxTx is the Couchbase transaction attempt ctx carries, if any.
func ctxTx(ctx context.Context) (*cbTx, bool) {
	tx, ok := ctx.Value(cbTxKey{}).(*cbTx)
	return tx, ok
}

// cbPort is the Couchbase ledger behind the port the handlers use: every call goes to the
// Couchbase transaction of ctx; a call made outside one goes, for a read (the API's, the
// ladder at start), straight to the documents (cbRead), and for a write or a lock to a
// transaction of its own.
type cbPort struct{ s *cbStore }

var _ Ledger[store.DB] = cbPort{}

// cbCall runs fn in ctx's Couchbase transaction, or in a new one.
func cbCall[T any](ctx context.Context, s *cbStore, fn func(*cbTx) (T, error)) (T, error) {
	if tx, ok := ctxTx(ctx); ok {
		return fn(tx)
	}
	var out T
	err := s.inTx(func(tx *cbTx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// cbRead runs the read fn in ctx's Couchbase transaction, where it sees the transaction's
// writes, or else without one (cbStore.reader): a read needs no transaction of its own.
func cbRead[T any](ctx context.Context, s *cbStore, fn func(*cbTx) (T, error)) (T, error) {
	if tx, ok := ctxTx(ctx); ok {
		return fn(tx)
	}
	out, err := fn(s.reader(ctx))
	return out, cbTransient(err)
}

// cbDo is cbCall for calls that return only an error.
func cbDo(ctx context.Context, s *cbStore, fn func(*cbTx) error) error {
	_, err := cbCall(ctx, s, func(tx *cbTx) (struct{}, error) { return struct{}{}, fn(tx) })
	return err
}

// cbAdapter is the Couchbase ledger cbPort calls.
var cbAdapter cbLedger

func (p cbPort) Enrol(ctx context.Context, _ store.DB, m Member) (bool, error) {
	return cbCall(ctx, p.s, func(tx *cbTx) (bool, error) { return cbAdapter.Enrol(ctx, tx, m) })
}

func (p cbPort) Lock(ctx context.Context, _ store.DB, guestID string) (*Member, error) {
	return cbCall(ctx, p.s, func(tx *cbTx) (*Member, error) { return cbAdapter.Lock(ctx, tx, guestID) })
}

func (p cbPort) LockAll(ctx context.Context, _ store.DB, guestIDs []string) (map[string]*Member, error) {
	return cbCall(ctx, p.s, func(tx *cbTx) (map[string]*Member, error) { return cbAdapter.LockAll(ctx, tx, guestIDs) })
}

func (p cbPort) Member(ctx context.Context, _ store.DB, guestID string) (*Member, error) {
	return cbRead(ctx, p.s, func(tx *cbTx) (*Member, error) { return cbAdapter.Member(ctx, tx, guestID) })
}

func (p cbPort) Post(ctx context.Context, _ store.DB, m *Member, e Entry, d Draw) (Entry, error) {
	return cbCall(ctx, p.s, func(tx *cbTx) (Entry, error) { return cbAdapter.Post(ctx, tx, m, e, d) })
}

func (p cbPort) Earnings(ctx context.Context, _ store.DB, reservationIDs []string) (map[string]*Entry, error) {
	return cbRead(ctx, p.s, func(tx *cbTx) (map[string]*Entry, error) { return cbAdapter.Earnings(ctx, tx, reservationIDs) })
}

func (p cbPort) Requalify(ctx context.Context, _ store.DB, m *Member, since, at time.Time) (int64, error) {
	return cbCall(ctx, p.s, func(tx *cbTx) (int64, error) { return cbAdapter.Requalify(ctx, tx, m, since, at) })
}

func (p cbPort) SetTier(ctx context.Context, _ store.DB, m *Member, tier string, at time.Time) error {
	return cbDo(ctx, p.s, func(tx *cbTx) error { return cbAdapter.SetTier(ctx, tx, m, tier, at) })
}

func (p cbPort) Rules(ctx context.Context, _ store.DB) ([]Rule, error) {
	return cbRead(ctx, p.s, func(tx *cbTx) ([]Rule, error) { return cbAdapter.Rules(ctx, tx) })
}

func (p cbPort) Ladder(ctx context.Context, _ store.DB) (Ladder, error) {
	return cbRead(ctx, p.s, func(tx *cbTx) (Ladder, error) { return cbAdapter.Ladder(ctx, tx) })
}

func (p cbPort) Rewards(ctx context.Context, _ store.DB, activeOnly bool) ([]Reward, error) {
	return cbRead(ctx, p.s, func(tx *cbTx) ([]Reward, error) { return cbAdapter.Rewards(ctx, tx, activeOnly) })
}

func (p cbPort) Reward(ctx context.Context, _ store.DB, id string) (*Reward, error) {
	return cbRead(ctx, p.s, func(tx *cbTx) (*Reward, error) { return cbAdapter.Reward(ctx, tx, id) })
}

func (p cbPort) AddRedemption(ctx context.Context, _ store.DB, r Redemption) error {
	return cbDo(ctx, p.s, func(tx *cbTx) error { return cbAdapter.AddRedemption(ctx, tx, r) })
}

func (p cbPort) LockRedemption(ctx context.Context, _ store.DB, id uuid.UUID) (*Redemption, error) {
	return cbCall(ctx, p.s, func(tx *cbTx) (*Redemption, error) { return cbAdapter.LockRedemption(ctx, tx, id) })
}

func (p cbPort) CancelRedemption(ctx context.Context, _ store.DB, id uuid.UUID, at time.Time) error {
	return cbDo(ctx, p.s, func(tx *cbTx) error { return cbAdapter.CancelRedemption(ctx, tx, id, at) })
}

func (p cbPort) Transactions(ctx context.Context, _ store.DB, guestID string, before int64, limit int) ([]Entry, error) {
	return cbRead(ctx, p.s, func(tx *cbTx) ([]Entry, error) { return cbAdapter.Transactions(ctx, tx, guestID, before, limit) })
}

func (p cbPort) ExpiringMembers(ctx context.Context, _ store.DB, day time.Time, limit int) ([]string, error) {
	return cbRead(ctx, p.s, func(tx *cbTx) ([]string, error) { return cbAdapter.ExpiringMembers(ctx, tx, day, limit) })
}

func (p cbPort) ExpiredLots(ctx context.Context, _ store.DB, guestID string, day time.Time) ([]Lot, error) {
	return cbRead(ctx, p.s, func(tx *cbTx) ([]Lot, error) { return cbAdapter.ExpiredLots(ctx, tx, guestID, day) })
}

func (p cbPort) TierCandidates(ctx context.Context, _ store.DB, since time.Time, limit int) ([]string, error) {
	return cbRead(ctx, p.s, func(tx *cbTx) ([]string, error) { return cbAdapter.TierCandidates(ctx, tx, since, limit) })
}

// cbEnqueuer writes the handlers' events into the outbox collection, in the Couchbase
// transaction of ctx (there is no event without one: it would commit on its own), and marks
// the attempt, whose commit then wakes the relay.
type cbEnqueuer struct{ o *cboutbox.Outbox }

var _ outbox.Enqueuer[store.Execer] = cbEnqueuer{}

func (q cbEnqueuer) Enqueue(ctx context.Context, _ store.Execer, msgs ...outbox.Message) error {
	tx, ok := ctxTx(ctx)
	if !ok {
		return errors.New("loyalty: an event emitted outside a Couchbase transaction (LOYALTY_STORE=couchbase)")
	}
	if err := q.o.Enqueue(ctx, tx.ac, msgs...); err != nil {
		return err
	}
	tx.enqueued = tx.enqueued || len(msgs) > 0
	return nil
}
