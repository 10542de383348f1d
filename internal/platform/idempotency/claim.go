package idempotency

import (
	"context"
	"fmt"

	"github.com/novatrek/support/internal/platform/store"
)

// Claim is a request's hold on its idempotency key, found in the handler's context with
// FromContext. Handlers that write business rows call CompleteTx in the same transaction.
type Claim struct {
	k        *Keeper
	caller   string
	key      string
	attempts int

	storedStatus int // set by CompleteTx: the status stored in the handler's transaction

	// inTx: the key is recorded by CompleteTx, in the handler's transaction, not claimed
	// before (RequiredInTx); the request's fingerprint, method and path go with it.
	inTx         bool
	fp           []byte
	method, path string
}

// Key is the client's Idempotency-Key.
func (c *Claim) Key() string { return c.key }

// Caller is the scope of the key (the authenticated caller).
func (c *Claim) Caller() string { return c.caller }

// Execer runs a statement inside the caller's transaction: a pgx.Tx, or anything that runs
// or queues statements in one (e.g. a pipelined batch). It is store.Execer.
type Execer = store.Execer

// CompleteTx stores resp as the key's response inside tx, the transaction that commits the
// request's effect: the effect and its replayable answer then exist together or not at all.
// The handler must write exactly resp to the client after tx commits.
//
// Under RequiredInTx, CompleteTx records the key itself, with the response: when another
// request with the key committed first, it returns a 409 problem, and tx must roll back
// (the effect happened once, by the other request). tx must run the statement then (a
// pgx.Tx), not queue it.
func (c *Claim) CompleteTx(ctx context.Context, tx Execer, resp Response) error {
	if c.inTx {
		return c.recordTx(ctx, tx, resp)
	}
	if _, err := tx.Exec(ctx, c.k.completeSQL, c.caller, c.key, resp.Status, marshalHeaders(resp.Header), resp.Body); err != nil {
		return fmt.Errorf("idempotency: store response: %w", err)
	}
	c.storedStatus = resp.Status
	return nil
}

type claimKey struct{}

func withClaim(ctx context.Context, c *Claim) context.Context {
	return context.WithValue(ctx, claimKey{}, c)
}

// FromContext returns the request's claim, or nil when the request carries no key.
func FromContext(ctx context.Context) *Claim {
	c, _ := ctx.Value(claimKey{}).(*Claim)
	return c
}

// Attempts numbers this claim of the key: 1 for the first request that used it, more when
// a request took the key over after an earlier holder's lease expired (it probably crashed;
// its work may be half done).
func (c *Claim) Attempts() int { return c.attempts }

// Discard undoes CompleteTx when the transaction it wrote into did not commit: the
// middleware then stores (2xx) or forgets the response the handler actually writes.
func (c *Claim) Discard() { c.storedStatus = 0 }
