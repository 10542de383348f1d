package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/config"
)

// Relay copies committed outbox rows of one Store to Kafka. Run it in every instance of a
// service: the Store lets one of them lead, and the others stand by to take over.
type Relay struct {
	cfg  Config
	name string
	log  *slog.Logger
	m    *metrics

	txnMaxAge time.Duration // fenceTxnMaxAge, shorter in tests

	wake    chan struct{} // capacity 1: see Wake
	leading atomic.Bool   // see Leading

	waitMu  sync.Mutex
	endWait context.CancelFunc // ends the wait in progress, if any (see Wake)
}

// NewRelay checks cfg and registers the relay's metrics.
func NewRelay(cfg Config) (*Relay, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("outbox: relay config: %w", err)
	}
	name := cfg.Store.Name()
	if cfg.Client != nil {
		if err := requireIdempotent(cfg.Client); err != nil {
			return nil, fmt.Errorf("outbox: relay config: %w", err)
		}
	}
	r := &Relay{cfg: cfg, name: name, log: cfg.Logger.With("outbox", name), txnMaxAge: fenceTxnMaxAge, wake: make(chan struct{}, 1)}
	if cfg.Fence {
		// A fenced relay builds its producer only once it leads, and retries that while it
		// leads: options the client refuses would hold leadership and publish nothing.
		cl, err := kgo.NewClient(r.fencedOpts("novatrek-outbox/config-check")...)
		if err != nil {
			return nil, fmt.Errorf("outbox: relay config: transactional producer: %w", err)
		}
		err = requireIdempotent(cl)
		cl.Close()
		if err != nil {
			return nil, fmt.Errorf("outbox: relay config: %w", err)
		}
	}
	m, err := newMetrics(cfg.Metrics, name)
	if err != nil {
		return nil, err
	}
	r.m = m
	return r, nil
}

// requireIdempotent refuses a client that may reorder or duplicate records on retry: per-key
// order rests on the idempotent producer's sequence numbers.
func requireIdempotent(cl *kgo.Client) error {
	if off, _ := cl.OptValue(kgo.DisableIdempotentWrite).(bool); off {
		return errors.New("the producing client must keep idempotent writes (no kgo.DisableIdempotentWrite)")
	}
	return nil
}

// Run relays until ctx ends: it campaigns for leadership, publishes while it leads, and
// campaigns again if it loses the lead. Call it once per Relay. It returns nil once ctx ends, having given up
// leadership, or an error if it cannot start its producing client. Store and broker failures
// are logged, counted and retried, never returned: the rows wait in the store meanwhile.
func (r *Relay) Run(ctx context.Context) error {
	client := r.cfg.Client
	if client == nil && !r.cfg.Fence { // a fenced relay creates its client per leadership
		cl, err := kgo.NewClient(r.producerOpts()...)
		if err != nil {
			return fmt.Errorf("outbox: %s: create producer: %w", r.name, err)
		}
		defer cl.Close()
		if err := requireIdempotent(cl); err != nil {
			return fmt.Errorf("outbox: %s: %w", r.name, err)
		}
		client = cl
	}
	for {
		s, ok := r.elect(ctx)
		if !ok {
			return nil
		}
		r.lead(ctx, s, client)
	}
}

// producerOpts are the options of the relay's own producer: the relay's defaults, then
// ClientOpts.
func (r *Relay) producerOpts() []kgo.Opt {
	return append([]kgo.Opt{
		kgo.ProducerLinger(0),
		kgo.RecordDeliveryTimeout(DefaultDeliveryTimeout),
		config.DefaultCompressionOpt(), // ClientOpts may choose another codec
	}, r.cfg.ClientOpts...)
}

// elect tries the store's leadership every LeaseRetry until it gets it (true) or ctx ends.
func (r *Relay) elect(ctx context.Context) (Session, bool) {
	bo := newBackoff(r.cfg.RetryBackoff, r.cfg.MaxRetryBackoff)
	standbyLogged := false
	for {
		s, ok, err := r.cfg.Store.TryLead(ctx)
		switch {
		case ctx.Err() != nil:
			if s != nil {
				r.closeSession(ctx, s)
			}
			return nil, false
		case err != nil:
			r.m.storeErrors.Inc()
			r.log.WarnContext(ctx, "outbox relay: cannot campaign for leadership; retrying", "error", err)
			pause(ctx, bo.Next(), nil)
		case ok:
			r.log.InfoContext(ctx, "outbox relay: leading")
			return s, true
		default:
			bo.Reset()
			if !standbyLogged {
				r.log.InfoContext(ctx, "outbox relay: standing by; another relay leads", "retry", r.cfg.LeaseRetry)
				standbyLogged = true
			}
			pause(ctx, r.cfg.LeaseRetry, nil)
		}
	}
}

// lead publishes while s holds leadership, and returns once it is lost or ctx ends.
func (r *Relay) lead(ctx context.Context, s Session, client *kgo.Client) {
	r.m.leader.Set(1)
	r.leading.Store(true)
	defer func() {
		r.leading.Store(false)
		r.m.leader.Set(0)
		r.m.backlogRows.Set(0)
		r.m.oldestAge.Set(0)
		r.closeSession(ctx, s)
	}()
	bo := newBackoff(r.cfg.RetryBackoff, r.cfg.MaxRetryBackoff)
	nextStats := time.Now()
	var lastErr error // the failure that revealed a lost session, if one did
	// The previous leader may have published rows it could not delete.
	p := &pipeline{resume: true}
	if r.cfg.Fence {
		cl, ok := r.fence(ctx, s, bo)
		if !ok {
			return
		}
		defer cl.Close() // after the settle below
		client, p.txn = cl, &txn{client: cl}
	}
	defer func() {
		// The batch still in flight is waited for (at most the delivery timeout) and its
		// acknowledged rows deleted, sparing the next leader a resume check.
		if err := r.settle(ctx, s, p); err != nil {
			r.log.WarnContext(ctx, "outbox relay: settling the last published rows failed; the next leader finds them on Kafka", "error", err)
		}
	}()
	for {
		if ctx.Err() != nil {
			r.log.InfoContext(ctx, "outbox relay: stopping; giving up leadership")
			return
		}
		select {
		case <-s.Lost():
			r.log.WarnContext(ctx, "outbox relay: lost leadership; campaigning again", "error", lastErr)
			return
		default:
		}
		if now := time.Now(); !now.Before(nextStats) {
			r.measure(ctx, s)
			nextStats = now.Add(r.cfg.StatsInterval)
		}

		n, err := r.relayBatch(ctx, s, client, p)
		if p.txn != nil && p.txn.fenced != nil {
			if isFenced(p.txn.fenced) {
				// Another producer took the transactional id. If this relay still leads its
				// store, that producer is another store's under the same id (see
				// Config.TransactionalID), and the two would fence each other for ever.
				r.log.ErrorContext(ctx, "outbox relay: another producer fenced this relay's producer; if no other relay of this store leads now, "+
					"another store shares its transactional id: set outbox.Config.TransactionalID",
					"transactional_id", r.transactionalID(s), "error", err)
				return
			}
			r.log.WarnContext(ctx, "outbox relay: the producer's transaction is in doubt; leading again with a new one",
				"error", err)
			return
		}
		if err != nil {
			lastErr = err
			r.retryAfter(ctx, s, bo, "outbox relay: batch failed; unpublished rows stay and are retried", err)
			continue
		}
		bo.Reset()
		if n == r.cfg.BatchSize {
			continue // a full batch: more rows are likely waiting
		}
		// Caught up. Rows committed while this batch was in flight have already notified (or
		// called Wake), so the wait returns at once for them; otherwise it sleeps until the
		// next commit, the polling fallback, or the next measurement.
		wait := min(r.cfg.PollInterval, max(time.Until(nextStats), 0))
		if err := r.wait(ctx, s, wait); err != nil {
			lastErr = err
			r.m.storeErrors.Inc()
			r.retryAfter(ctx, s, bo, "outbox relay: waiting for new rows failed", err)
		}
	}
}

// retryAfter logs err and waits out the next backoff, unless ctx ended or the session is
// lost: then the caller's loop stops or re-campaigns at once, and reports why.
func (r *Relay) retryAfter(ctx context.Context, s Session, bo *backoff, msg string, err error) {
	if ctx.Err() != nil {
		return
	}
	select {
	case <-s.Lost():
		return
	default:
	}
	d := bo.Next()
	r.log.ErrorContext(ctx, msg, "error", err, "retry_in", d)
	pause(ctx, d, s.Lost())
}

// measure updates the backlog gauges. A failure only costs fresh numbers, so it is logged at
// warning level and the relay carries on.
func (r *Relay) measure(ctx context.Context, s Session) {
	b, err := s.Backlog(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.m.storeErrors.Inc()
			r.log.WarnContext(ctx, "outbox relay: measuring the backlog failed", "error", err)
		}
		return
	}
	r.m.backlogRows.Set(float64(b.Rows))
	r.m.oldestAge.Set(b.OldestAge.Seconds())
}

func (r *Relay) closeSession(ctx context.Context, s Session) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.Close(cctx); err != nil {
		r.log.WarnContext(ctx, "outbox relay: closing the leader session failed; the store frees it when the session ends", "error", err)
	}
}

// pause waits d, or less if ctx ends or lost is closed.
func pause(ctx context.Context, d time.Duration, lost <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-lost:
	case <-t.C:
	}
}
