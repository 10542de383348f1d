package weather

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/processors/weather/nws"
)

// source is one kind of cached provider data and how to load it upstream.
type source struct {
	kind string
	// ttl caps the freshness the provider declares (it decides below it).
	ttl time.Duration
	// keep is how long Valkey keeps an entry past its fetch (stale-if-error needs it).
	keep time.Duration
	// load fetches the data for a cell upstream (every call through fetcher.call) and
	// returns it with the freshness the provider declared (0: not said).
	load func(ctx context.Context, cell Point) (any, time.Duration, error)
	// durable, when set, is a second level in PostgreSQL (forecasts): a restart or a cold
	// Valkey refills from it instead of asking the provider.
	durable durable
	// refreshed, when set, is told each cell this instance fetched anew (forecasts: the
	// departures under it are re-assessed).
	refreshed func(cell Point)
	// reads counts the reads of this kind by result.
	reads readCounts
}

// durable is a store of entries that outlives Valkey.
type durable interface {
	get(ctx context.Context, cell string) (*entry, error)
	put(ctx context.Context, cell string, e *entry) error
}

// fetcher answers reads from the cache, refreshing through one upstream call per cell at a
// time: singleflight within the process, a short Valkey lock across instances, and the
// shared budget before every call.
type fetcher struct {
	cfg    Config
	cache  valkeyCache
	lock   locker
	budget *budget
	flight singleflight.Group
	// revalidating holds the kind:cell keys being refreshed behind a stale answer.
	revalidating sync.Map
	now          func() time.Time
	log          *slog.Logger
	m            *metrics
}

// reading is an answer: the entry and whether it is past its freshness.
type reading struct {
	*entry
	stale bool
}

// read answers cell's data of src: fresh from the cache; stale within the revalidate
// window while one refresh runs behind it; else refreshed now, and if that fails, stale up
// to StaleMax (stale-if-error) or a 503 with Retry-After.
func (f *fetcher) read(ctx context.Context, src *source, p Point) (reading, error) {
	cell := p.Key()
	e, err := f.cached(ctx, src, cell)
	if err != nil {
		return reading{}, unavailable(err, 0)
	}
	now := f.now()
	switch {
	case e != nil && now.Before(e.FreshUntil):
		src.reads.hit.Inc()
		return reading{entry: e}, nil
	case e != nil && now.Before(e.FreshUntil.Add(f.cfg.Revalidate)):
		src.reads.staleRevalidate.Inc()
		f.revalidate(ctx, src, p)
		return reading{entry: e, stale: true}, nil
	}
	fresh, err := f.refresh(ctx, src, p)
	if err == nil {
		src.reads.miss.Inc()
		return reading{entry: fresh}, nil
	}
	if e != nil && e.age(now) <= f.cfg.StaleMax {
		src.reads.staleIfError.Inc()
		f.log.Warn("weather: provider failed; serving stale data", "kind", src.kind, "cell", cell,
			"age", e.age(now).String(), "err", err)
		return reading{entry: e, stale: true}, nil
	}
	src.reads.unavailable.Inc()
	return reading{}, unavailable(err, retryAfterOf(err))
}

// revalidate refreshes p's cell behind a stale answer, once however many reads meet the
// stale entry meanwhile: the others start no goroutine, join no flight and, when the
// provider fails, add no warning of their own.
func (f *fetcher) revalidate(ctx context.Context, src *source, p Point) {
	key := src.kind + ":" + p.Key()
	if _, running := f.revalidating.LoadOrStore(key, struct{}{}); running {
		return
	}
	go func() {
		defer f.revalidating.Delete(key)
		if _, err := f.refresh(context.WithoutCancel(ctx), src, p); err != nil {
			f.log.Warn("weather: background refresh failed; the stale entry is served until it succeeds",
				"kind", src.kind, "cell", p.Key(), "err", err)
		}
	}()
}

// cached is Valkey's entry, else (for a durable source) PostgreSQL's, copied back to Valkey.
func (f *fetcher) cached(ctx context.Context, src *source, cell string) (*entry, error) {
	e, err := f.cache.get(ctx, src.kind, cell)
	if err != nil || e != nil || src.durable == nil {
		return e, err
	}
	if e, err = src.durable.get(ctx, cell); err != nil || e == nil {
		return e, err
	}
	return e, f.cache.put(ctx, src.kind, cell, e, src.keep)
}

// refresh loads cell upstream once however many callers ask at the same time: callers in
// this process share one flight; the flight holds the cell's Valkey lock, or waits for the
// instance holding it to publish its result. The flight runs on its own context so that
// one caller giving up does not fail the others.
func (f *fetcher) refresh(ctx context.Context, src *source, p Point) (*entry, error) {
	cell := p.Key()
	ch := f.flight.DoChan(src.kind+":"+cell, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.cfg.LockLease)
		defer cancel()
		return f.refreshShared(fctx, src, p)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*entry), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (f *fetcher) refreshShared(ctx context.Context, src *source, p Point) (*entry, error) {
	cell := p.Key()
	lockKey := f.cache.key("lock:"+src.kind, cell)
	token, held, err := f.lock.acquire(ctx, lockKey, f.cfg.LockLease)
	if err != nil {
		return nil, err
	}
	if !held {
		return f.awaitOther(ctx, src, cell, lockKey)
	}
	defer f.lock.release(context.WithoutCancel(ctx), lockKey, token)
	// Another flight or instance may have refreshed between our miss and our lock.
	if e, err := f.cache.getServer(ctx, src.kind, cell); err == nil && e != nil && f.now().Before(e.FreshUntil) {
		return e, nil
	}
	v, declared, err := src.load(ctx, p.Cell())
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	fresh := src.ttl
	if declared > 0 && declared < fresh {
		fresh = declared
	}
	now := f.now()
	e := &entry{FetchedAt: now, FreshUntil: now.Add(fresh), Data: data}
	if err := f.cache.put(ctx, src.kind, cell, e, src.keep); err != nil {
		return nil, err
	}
	if src.durable != nil {
		if err := src.durable.put(ctx, cell, e); err != nil {
			return nil, err
		}
	}
	if src.refreshed != nil {
		src.refreshed(p.Cell())
	}
	return e, nil
}

// awaitPoll is how often a waiting instance looks for the holder's result; it bounds the
// extra latency of a cross-instance coalesced miss.
const awaitPoll = 5 * time.Millisecond

// awaitOther waits for the instance holding the cell's lock to publish a fresh entry. If
// the lock goes away without one (the holder failed), the read fails like the holder's
// call did; the caller's stale-if-error applies.
func (f *fetcher) awaitOther(ctx context.Context, src *source, cell, lockKey string) (*entry, error) {
	t := time.NewTicker(awaitPoll)
	defer t.Stop()
	for {
		e, err := f.cache.get(ctx, src.kind, cell)
		if err != nil {
			return nil, err
		}
		if e != nil && f.now().Before(e.FreshUntil) {
			return e, nil
		}
		held, err := f.lock.held(ctx, lockKey)
		if err != nil {
			return nil, err
		}
		if !held {
			if e, err := f.cache.getServer(ctx, src.kind, cell); err == nil && e != nil && f.now().Before(e.FreshUntil) {
				return e, nil
			}
			return nil, errors.New("weather: the instance refreshing this cell failed")
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("weather: waiting for another instance's refresh: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// call makes one upstream call of kind after taking a token from the shared budget.
func (f *fetcher) call(ctx context.Context, kind string, fn func() error) error {
	if err := f.budget.take(ctx); err != nil {
		return err
	}
	err := fn()
	outcome := "ok"
	var se *nws.StatusError
	switch {
	case errors.Is(err, nws.ErrMalformed):
		outcome = "malformed"
	case errors.As(err, &se):
		outcome = fmt.Sprint(se.Status)
	case err != nil:
		outcome = "error"
	}
	f.m.upstream.WithLabelValues(kind, outcome).Inc()
	return err
}

// DefaultRetryAfter is the Retry-After of a 503 when nothing says better.
const DefaultRetryAfter = 30 * time.Second

// retryAfterOf is how long the failure says to wait: the budget's refill or the provider's
// Retry-After; 0 when it does not say.
func retryAfterOf(err error) time.Duration {
	var be *budgetError
	if errors.As(err, &be) {
		return be.wait
	}
	var se *nws.StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

// unavailable is the 503 of a read with nothing to serve; a cause that already is one (a
// cell's grid could not be read) is returned as it is.
func unavailable(cause error, wait time.Duration) error {
	if _, ok := fault.As(cause); ok {
		return cause
	}
	fe := fault.Unavailable("weather-unavailable", "Weather data unavailable",
		"the weather provider cannot be reached and no recent data is cached").Because(cause)
	if wait > 0 {
		fe.RetryAfter = wait
	} else {
		fe.RetryAfter = DefaultRetryAfter
	}
	return fe
}
