package stream

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	dbstore "github.com/novatrek/support/internal/platform/store"
)

// Deferred returns where a handler queues the writes whose results it does not read (an
// outbox enqueue, an upsert, an applied-event row), so that they cost no round trip of
// their own: the runtime sends the queued statements, in order, in one pipeline after the
// handler returns — together with the transaction's COMMIT for the batch's last event,
// before the next event's handler otherwise. An event's writes are therefore visible to
// the next event's handler, as if they had run at once.
//
// A queued statement has not run when its Exec returns (the command tag is empty, the
// error nil): the handler must not read what it queued, nor count on RowsAffected, within
// the same call, and a statement it runs on tx directly afterwards runs before the queued
// ones. A queued statement that fails fails its event as its handler would have (a
// permanent error dead-letters that event alone), and the transaction rolls back. The
// statements queued for the batch's last event are timed with the commit; those sent before
// the next event's handler count in the handler-duration metric, which times all of a
// transaction's handler calls together.
//
// The arguments are read when the statements are sent, not when Exec queues them: a handler
// must not change a slice, map or struct it passed to Exec afterwards (queue a copy instead).
//
// ctx and tx must be the ones the runtime passed to the handler; for any other pair (a
// handler called by a test, a nested transaction) Deferred returns tx itself, so the
// statements run at once.
func Deferred(ctx context.Context, tx pgx.Tx) dbstore.Execer {
	if p, ok := ctx.Value(pipelineKey{}).(*pipeline); ok && p.tx == tx && tx != nil {
		return dbstore.Queue{B: &p.b}
	}
	return tx
}

type pipelineKey struct{}

// pipeline holds the statements the handlers of one attempt queued with Deferred and not
// sent yet, all queued by one handler call.
type pipeline struct {
	tx pgx.Tx
	b  pgx.Batch
	// owner is the batch slot whose handler queued b's statements, -1 for a HandleBatch
	// handler (a failure then names no event, and the batch is bisected).
	owner  int
	offset int64 // the owner's offset
}

// reset empties the pipeline for an attempt on tx. It starts a new pgx.Batch rather than
// emptying the sent one: pgx says a Batch must be sent only once.
func (p *pipeline) reset(tx pgx.Tx) {
	p.tx = tx
	p.b = pgx.Batch{}
	p.owner = -1
}

// with returns ctx carrying p for a handler call on behalf of slot owner (-1: a batch).
func (p *pipeline) with(ctx context.Context, owner int, offset int64) context.Context {
	p.owner, p.offset = owner, offset
	return context.WithValue(ctx, pipelineKey{}, p)
}

// flush sends the queued statements in one round trip, before the next event's handler.
func (p *pipeline) flush(ctx context.Context) error {
	if p.b.Len() == 0 {
		return nil
	}
	br := p.tx.SendBatch(ctx, &p.b)
	err := p.read(br, p.b.Len())
	if cerr := br.Close(); err == nil && cerr != nil {
		err = p.failed(cerr)
	}
	p.reset(p.tx)
	return err
}

// commit sends the queued statements and COMMIT in one round trip. An error of a queued
// statement is a *deferredFailure; any other is the COMMIT's.
func (p *pipeline) commit(ctx context.Context) error {
	if p.b.Len() == 0 {
		return p.tx.Commit(ctx)
	}
	n := p.b.Len()
	p.b.Queue("commit")
	br := p.tx.SendBatch(ctx, &p.b)
	err := p.read(br, n)
	if err == nil {
		var tag pgconn.CommandTag
		tag, err = br.Exec()
		if err == nil && tag.String() == "ROLLBACK" {
			err = pgx.ErrTxCommitRollback
		}
	}
	if cerr := br.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return err
}

// read reads the results of the first n queued statements.
func (p *pipeline) read(br pgx.BatchResults, n int) error {
	for range n {
		if _, err := br.Exec(); err != nil {
			return p.failed(err)
		}
	}
	return nil
}

// failed reports a queued statement's failure as its handler's: on the owner's event.
func (p *pipeline) failed(err error) error {
	err = &deferredFailure{err: err}
	if p.owner >= 0 {
		return &eventError{index: p.owner, offset: p.offset, err: err}
	}
	return err
}

// deferredFailure is a statement queued with Deferred that failed: a handler's failure, not
// the store's, classified as the handler's own error would be.
type deferredFailure struct{ err error }

func (e *deferredFailure) Error() string { return fmt.Sprintf("deferred statement: %v", e.err) }
func (e *deferredFailure) Unwrap() error { return e.err }
