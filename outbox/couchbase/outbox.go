package cboutbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/couchbase/gocb/v2"

	"github.com/novatrek/support/outbox"
)

// DefaultMaxMessageBytes is the largest message Enqueue accepts, as pgoutbox's: the broker's
// record batch limit less framing. Couchbase's own document limit (20 MB) is far above it.
const DefaultMaxMessageBytes = 990_000

// DefaultLease is how long a relay's leadership lasts without renewal: a crashed leader's
// standby takes over after at most this long.
const DefaultLease = 10 * time.Second

// Keys of the collection's two bookkeeping documents; messages are "msg::<id>".
const (
	counterKey = "outbox::counter"
	leaseKey   = "outbox::lease"
)

// Outbox is one outbox collection. It is an outbox.Enqueuer of Couchbase transaction
// attempts and an outbox.Store.
type Outbox struct {
	scope    *gocb.Scope
	coll     *gocb.Collection
	name     string
	maxBytes int
	lease    time.Duration
	wake     chan struct{}
	muted    atomic.Bool
}

var (
	_ outbox.Enqueuer[*gocb.TransactionAttemptContext] = (*Outbox)(nil)
	_ outbox.Store                                     = (*Outbox)(nil)
)

// Option configures an Outbox.
type Option func(*Outbox)

// MaxMessageBytes overrides DefaultMaxMessageBytes.
func MaxMessageBytes(n int) Option { return func(o *Outbox) { o.maxBytes = n } }

// Lease overrides DefaultLease.
func Lease(d time.Duration) Option { return func(o *Outbox) { o.lease = d } }

// New returns the outbox in collection of scope; Prepare creates its index.
func New(scope *gocb.Scope, collection string, opts ...Option) (*Outbox, error) {
	if scope == nil || collection == "" {
		return nil, errors.New("cboutbox: a scope and a collection name are required")
	}
	o := &Outbox{scope: scope, coll: scope.Collection(collection), name: scope.Name() + "." + collection,
		maxBytes: DefaultMaxMessageBytes, lease: DefaultLease, wake: make(chan struct{}, 1)}
	for _, opt := range opts {
		opt(o)
	}
	if o.maxBytes <= 0 || o.lease <= 0 {
		return nil, fmt.Errorf("cboutbox: %s: MaxMessageBytes and Lease must be positive", o.name)
	}
	return o, nil
}

// Prepare creates the index the relay fetches by (IF NOT EXISTS: a no-op the second time).
func (o *Outbox) Prepare(ctx context.Context) error {
	res, err := o.scope.Query("CREATE INDEX outbox_id IF NOT EXISTS ON `"+o.coll.Name()+"`(id, created_at)",
		&gocb.QueryOptions{Context: ctx})
	if err == nil {
		err = res.Close()
	}
	if err != nil {
		return fmt.Errorf("cboutbox: %s: create the index: %w", o.name, err)
	}
	return nil
}

// Name is the scope and collection, for logs and metric labels.
func (o *Outbox) Name() string { return o.name }

// doc is one message document.
type doc struct {
	ID        int64           `json:"id"`
	Topic     string          `json:"topic"`
	Key       []byte          `json:"key"`
	Value     []byte          `json:"value"`
	Headers   []outbox.Header `json:"headers,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

func docKey(id int64) string { return "msg::" + strconv.FormatInt(id, 10) }

// Enqueue inserts msgs into the outbox inside the transaction attempt ac, in slice order
// (ids follow it), so that they exist exactly when the transaction commits. It refuses a
// message without a topic or over MaxMessageBytes before writing anything. Call Committed
// once the transaction has committed.
func (o *Outbox) Enqueue(ctx context.Context, ac *gocb.TransactionAttemptContext, msgs ...outbox.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	if ac == nil {
		return errors.New("cboutbox: enqueue: nil transaction")
	}
	for i, m := range msgs {
		if m.Topic == "" {
			return fmt.Errorf("cboutbox: enqueue into %s: message %d has no topic", o.name, i)
		}
		if size := m.Size(); size > o.maxBytes {
			return fmt.Errorf("cboutbox: enqueue into %s: message %d for %s is %d bytes, over the %d-byte limit", o.name, i, m.Topic, size, o.maxBytes)
		}
	}
	last, err := o.takeIDs(ctx, len(msgs))
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for i, m := range msgs {
		id := last - int64(len(msgs)-1-i)
		d := doc{ID: id, Topic: m.Topic, Key: m.Key, Value: m.Value, Headers: m.Headers, CreatedAt: now}
		if _, err := ac.Insert(o.coll, docKey(id), d); err != nil {
			return fmt.Errorf("cboutbox: enqueue %d messages into %s: %w", len(msgs), o.name, err)
		}
	}
	return nil
}

// takeIDs reserves n ids and returns the last: one atomic sub-document increment of the
// counter document, created at 0 by the first.
func (o *Outbox) takeIDs(ctx context.Context, n int) (int64, error) {
	res, err := o.coll.MutateIn(counterKey, []gocb.MutateInSpec{
		gocb.IncrementSpec("next", int64(n), &gocb.CounterSpecOptions{CreatePath: true}),
	}, &gocb.MutateInOptions{StoreSemantic: gocb.StoreSemanticsUpsert, Context: ctx})
	var last int64
	if err == nil {
		err = res.ContentAt(0, &last)
	}
	if err != nil {
		return 0, fmt.Errorf("cboutbox: %s: take %d ids: %w", o.name, n, err)
	}
	return last, nil
}

// Committed wakes this process's relay: call it after a transaction that enqueued commits.
// A missed call costs the relay's polling interval, never a message.
func (o *Outbox) Committed() {
	if o.muted.Load() {
		return
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Mute makes Committed a no-op, as a lost notification (the polling proof of outboxtest).
func (o *Outbox) Mute() { o.muted.Store(true) }
