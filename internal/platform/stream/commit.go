package stream

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// abortedCommitWait bounds how long an aborted worker waits for PostgreSQL's answer to a
// COMMIT it already sent (see commit). The answer comes at once when the server is
// reachable; the bound only matters when it is not.
const abortedCommitWait = 10 * time.Second

// commit sends COMMIT (after the statements handlers deferred, in the same round trip: see
// Deferred) and waits for PostgreSQL's answer, also when the worker is aborted
// (StopTimeout passed, partitions lost, a crash) meanwhile.
//
// A COMMIT on the wire cannot be taken back by walking away from it: pgx, on a canceled
// context, returns at once and closes the connection in the background (sending a cancel
// request that may arrive too late, and not waiting for the answer), while the server may
// still commit —
// after Run returned, unmarked in Kafka, and, on a restart in the same process (or a new
// owner of the partition), after the stored offsets were loaded, so the batch is
// redelivered. Instead the abort asks the server to cancel the COMMIT (a cancel request,
// which rolls it back unless it is past its commit point) and waits for the answer, so the
// worker knows whether the batch committed before it stops. Only if the server does not
// answer within abortedCommitWait is the connection dropped, the outcome then unknown (the
// offsets row lock and the inbox still keep the batch from applying twice).
//
// The cancel request is repeated until the answer comes: it travels on a connection of its
// own, which a loaded server or network can lose, and a lost one would leave the worker
// waiting out the whole bound for a COMMIT that nothing asked to stop.
//
// The connection of an aborted commit is closed, not reused: a cancel request that arrives
// after the answer would cancel the connection's next statement.
func (w *worker) commit(conn *pgxpool.Conn) error {
	if err := w.ctx.Err(); err != nil {
		return err // aborted before sending: nothing to settle, the deferred rollback ends it
	}
	ctx, giveUp := context.WithCancel(context.WithoutCancel(w.ctx))
	defer giveUp()
	asked := make(chan struct{})
	stop := context.AfterFunc(w.ctx, func() {
		defer close(asked)
		wait, cancel := context.WithTimeout(ctx, abortedCommitWait)
		defer cancel()
		askToCancel(wait, conn)
		giveUp()
	})
	err := w.pipe.commit(ctx)
	giveUp()
	if !stop() {
		<-asked
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), time.Second)
		defer cancel()
		_ = conn.Conn().Close(closeCtx)
	}
	return err
}

// cancelRetry is how often an unanswered cancel request is sent again.
const cancelRetry = time.Second

// askToCancel sends cancel requests for conn's running statement until wait ends (the
// COMMIT answered or the bound passed). A repeated request is harmless: the connection is
// closed after an aborted commit, so no later statement of it can be hit.
func askToCancel(wait context.Context, conn *pgxpool.Conn) {
	tick := time.NewTicker(cancelRetry)
	defer tick.Stop()
	for {
		_ = conn.Conn().PgConn().CancelRequest(wait) // the COMMIT's answer tells what it did
		select {
		case <-wait.Done():
			return
		case <-tick.C:
		}
	}
}
