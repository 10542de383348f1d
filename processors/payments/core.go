package payments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/outbox"
	"github.com/novatrek/support/processors/payments/fraud"
	"github.com/novatrek/support/processors/payments/psp"
)

// core is the payment engine shared by the HTTP API, the event handler and the background
// loops. Every operation follows one pattern: commit what we intend (a row in processing or
// pending) before calling the provider with a key derived from that row, then commit the
// result, the ledger entries, the outbox event and the stored HTTP response in one
// transaction. A crash anywhere leaves a row that a retry (or the recovery loop) resumes with
// the same provider key, so the provider acts once.
type core struct {
	pool  *pgxpool.Pool
	psp   *psp.Client
	fraud *fraud.Client
	// emitter publishes the events through the outbox (events.go's emit is its one caller).
	emitter *outbox.Emitter[store.Execer]
	log     *slog.Logger
	now     func() time.Time
	m       *metrics
	hooks   hooks
}

// hooks are test seams.
type hooks struct {
	// afterProvider runs after the provider authorized and captured a deposit, before the
	// result is committed: the worst moment to crash. An error aborts the request there.
	afterProvider func(ctx context.Context, p *Payment) error
}

// finisher renders the response of the request that asked for an operation and stores it
// for idempotent replay, inside the transaction that commits the operation's result. nil
// when no request waits (recovery loop, refund worker).
type finisher interface {
	// finish renders v (the *Payment, *Refund or disputeOutcome being committed) and writes
	// the stored response through tx.
	// (An *idempotency.Responder[any] is one.)
	Finish(ctx context.Context, tx idempotency.Execer, v any) error
	// Discard forgets what Finish did: its transaction did not commit.
	Discard()
}

// finish calls fin.finish unless fin is nil.
func finish(ctx context.Context, fin finisher, tx store.Execer, v any) error {
	if fin == nil {
		return nil
	}
	return fin.Finish(ctx, tx, v)
}

// discard calls fin.discard unless fin is nil.
func discard(fin finisher) {
	if fin != nil {
		fin.Discard()
	}
}

// providerDown: the provider could not be reached or gave no usable answer (cause, logged).
// The operation's row stays in processing/pending; a retry with the same key resumes it.
func providerDown(cause error) *fault.Error {
	return fault.Unavailable(slugProviderDown, "Payment provider unavailable",
		"The payment provider did not answer. The operation is recorded; retry with the same Idempotency-Key to finish it.").
		Because(cause)
}

// providerError turns a provider failure into what the API reports: a conflict (409) for a
// refusal, providerDown (503) for anything that may heal.
func providerError(err error, action string) error {
	var pe *psp.Error
	if errors.As(err, &pe) && !errors.Is(err, psp.ErrUnavailable) {
		return fault.Conflict(slugProviderRefused, "The payment provider refused the operation",
			fmt.Sprintf("The provider refused to %s: %s.", action, pe.Reason())).With("provider_code", pe.Reason())
	}
	return providerDown(fmt.Errorf("%s: %w", action, err))
}

// commitPayment writes p if its row still has status from, then extra and fin, atomically
// and in one round trip: the statements are pipelined as one batch, which PostgreSQL runs
// as one implicit transaction, and the conditional update aborts the batch when it matches
// no row. That is the case when another request moved the payment on first: nothing is
// written and the current row is returned, so the operation happened once and the caller
// reports its state. extra and fin may only write (Exec) through the tx they are given.
func (c *core) commitPayment(ctx context.Context, p *Payment, from string, fin finisher, extra func(tx store.Execer) error) (*Payment, error) {
	b := &pgx.Batch{}
	queueUpdatePayment(b, p, from)
	bt := store.Queue{B: b}
	if extra != nil {
		if err := extra(bt); err != nil {
			return nil, err
		}
	}
	if err := finish(ctx, fin, bt, p); err != nil {
		return nil, err
	}
	err := c.pool.SendBatch(ctx, b).Close()
	if err != nil {
		discard(fin)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "P0002" {
		return getPayment(ctx, c.pool, p.ID, false)
	}
	if err != nil {
		return nil, fmt.Errorf("commit payment %s: %w", p.ID, err)
	}
	return p, nil
}

// advance moves a payment left in processing to a final status; other payments are
// returned as they are.
func (c *core) advance(ctx context.Context, p *Payment, f flow, fin finisher) (*Payment, error) {
	if p.Status != StatusProcessing {
		return p, nil
	}
	if p.Type == TypeCommission {
		return c.advanceCommission(ctx, p, f, fin)
	}
	return c.advanceDeposit(ctx, p, f, fin)
}
