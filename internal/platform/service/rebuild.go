package service

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Rebuilder is implemented by a service whose tables are derived from the events it
// consumes and can be rebuilt by replaying them: `novatrek groups reset GROUP --to-earliest
// --rebuild --execute` calls Rebuild, clears the group's inbox and moves its stored offsets
// to the earliest retained ones, all in one transaction, so the next run re-applies every
// retained event onto empty tables.
//
// It is optional because not every table can be rebuilt: only implement it when every
// table Rebuild clears is a projection of consumed events. Re-applying events onto a
// projection that still holds their effects double-counts whatever is not idempotent
// (counters, appended rows), which is why a full replay of such a service needs Rebuild;
// rows the service received another way (API writes, provider callbacks) would be lost.
// The outbox is not cleared: messages not yet relayed must still go out, and the replay
// enqueues its output events again (with ids derived from their cause events, so
// downstream inboxes skip them; see the stream package's Replays section).
type Rebuilder interface {
	// Rebuild empties the service's derived tables in tx (TRUNCATE is the usual way; the
	// service is stopped, so its locks wait for nobody).
	Rebuild(ctx context.Context, tx pgx.Tx) error
}
