package outbox

import (
	"context"
	"time"
)

// Store is one outbox table as the Relay sees it. Each engine (outbox/postgres today;
// Couchbase and Oracle later) implements it; the Relay holds all the policy (ordering,
// retries, metrics), so an engine only answers the questions below.
type Store interface {
	// Name identifies the outbox in logs and metric labels, e.g. the service schema.
	Name() string
	// TryLead tries once, without waiting, to become the only relay of this store. It returns
	// ok=false when another relay leads. The Relay calls it again every Config.LeaseRetry.
	TryLead(ctx context.Context) (s Session, ok bool, err error)
}

// Session is leadership of a store, held until Close or until it is lost. Every method is
// called from one goroutine.
type Session interface {
	// Lost is closed when the store can no longer vouch for this session, e.g. the
	// PostgreSQL connection holding the advisory lock died or a lease expired. A standby may
	// already lead; the Relay stops publishing and goes back to electing.
	Lost() <-chan struct{}
	// Wait returns when rows may have been committed since the last Fetch (a notification),
	// after timeout (the polling fallback), or when ctx ends. A missed or spurious wake-up
	// costs one fetch, never a row: the caller always fetches after Wait.
	Wait(ctx context.Context, timeout time.Duration) error
	// Fetch returns up to limit committed rows, oldest id first, starting at the oldest row
	// still in the store: never after a remembered position (see the package doc).
	Fetch(ctx context.Context, limit int) ([]Row, error)
	// Delete removes rows the brokers acknowledged.
	Delete(ctx context.Context, ids []int64) error
	// Backlog reports what is waiting to be published.
	Backlog(ctx context.Context) (Backlog, error)
	// Close gives up leadership so a standby can take over at once.
	Close(ctx context.Context) error
}

// Backlog is the state of a store's unpublished rows.
type Backlog struct {
	// Rows is how many rows wait.
	Rows int64
	// OldestAge is how long the oldest waiting row has waited (0 when none waits), by the
	// store's clock.
	OldestAge time.Duration
}
