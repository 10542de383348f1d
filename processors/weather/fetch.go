package weather

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/valkey-io/valkey-go"

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
	// load fetches the data for a cell upstream (every call through fetcher.call).
	load func(ctx context.Context, cell Point) (loaded, error)
	// calls is how many provider calls load makes: their tokens are taken with the lock.
	calls int
	// needs, when set, is the source load reads first (a cell's grid): its entry is read in
	// the lock's round trip, so that a cold cell's chain does not wait for one more.
	needs *source
	// needed says that another source needs this one (set by sources).
	needed bool
	// durable, when set, is a second level in PostgreSQL (forecasts): a restart or a cold
	// Valkey refills from it instead of asking the provider.
	durable durable
	// refreshed, when set, is told each cell this instance fetched anew (forecasts: the
	// departures under it are re-assessed).
	refreshed func(cell Point)
	// present, when set, is what the API writes of an entry's data (entry.encoded): a
	// flight computes it before answering, so that its callers share it without queueing
	// on the first of them to compute it.
	present func(data []byte) ([]byte, error)
	// reads counts the reads of this kind by result.
	reads readCounts
}

// loaded is what a source's load fetched.
type loaded struct {
	data any
	// fresh is the freshness the provider declared (0: not said).
	fresh time.Duration
	// record, when set, writes down what the call taught (a station, an observation); it
	// runs after the answer, which does not depend on it.
	record func(ctx context.Context) error
}

// durable is a store of entries that outlives Valkey.
type durable interface {
	get(ctx context.Context, cell string) (*entry, error)
	put(ctx context.Context, cell string, e *entry) error
}

// fetcher answers reads from the cache, refreshing through one upstream call per cell at a
// time: one flight within the process, a short Valkey lock across instances, and the
// shared budget before every call.
type fetcher struct {
	cfg     Config
	cache   valkeyCache
	lock    locker
	budget  *budget
	flights flights
	// revalidating holds the kind:cell keys being refreshed behind a stale answer.
	revalidating sync.Map
	now          func() time.Time
	log          *slog.Logger
	m            *metrics
	// trace, when set, is told every stage of a miss (the benchmark's breakdown).
	trace func(kind, stage string, began, ended time.Time)
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
	began := time.Now()
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
	f.mark(src.kind, "cache", began)
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
	// The flight is joined here, not in the goroutine, so that it is in flights before the
	// read returns and a settle (Close) that follows waits for it.
	fl := f.fly(ctx, src, p)
	go func() {
		defer f.revalidating.Delete(key)
		if _, err := fl.wait(context.Background()); err != nil {
			f.log.Warn("weather: background refresh failed; the stale entry is served until it succeeds",
				"kind", src.kind, "cell", p.Key(), "err", err)
		}
	}()
}

// cached is Valkey's entry, else (for a durable source) PostgreSQL's, copied back to Valkey.
func (f *fetcher) cached(ctx context.Context, src *source, cell string) (*entry, error) {
	var e *entry
	var err error
	if pf, ok := src.prefetched(ctx, cell); ok {
		e, err = f.cache.entryOf(src.kind, cell, f.cache.key(src.kind, cell), pf)
	} else {
		e, err = f.cache.get(ctx, src.kind, cell)
	}
	if err != nil || e != nil || src.durable == nil {
		return e, err
	}
	if e, err = src.durable.get(ctx, cell); err != nil || e == nil {
		return e, err
	}
	return e, f.cache.put(ctx, src.kind, cell, e, src.keep)
}

// prefetch is an entry a flight read in its lock's round trip for its load (source.needs),
// carried in the load's context: read in place of a cache read of that kind and cell.
type prefetch struct {
	kind, cell string
	r          valkey.ValkeyResult
}

type prefetchKey struct{}

// prefetched is the reply of src's entry for cell that ctx carries. Only a source another
// one needs looks (a hot read of any other kind does not walk its context).
func (src *source) prefetched(ctx context.Context, cell string) (valkey.ValkeyResult, bool) {
	if !src.needed {
		return valkey.ValkeyResult{}, false
	}
	pf, _ := ctx.Value(prefetchKey{}).(*prefetch)
	if pf == nil || pf.kind != src.kind || pf.cell != cell {
		return valkey.ValkeyResult{}, false
	}
	return pf.r, true
}

// refresh loads cell upstream once however many callers ask at the same time: callers in
// this process share one flight; the flight holds the cell's Valkey lock, or waits for the
// instance holding it to publish its result. The callers are answered as soon as the
// flight has the entry; the flight caches and records it after. It runs on its own
// context, so that one caller giving up does not fail the others.
func (f *fetcher) refresh(ctx context.Context, src *source, p Point) (*entry, error) {
	return f.fly(ctx, src, p).wait(ctx)
}

// fly joins the flight of src's cell of p, starting it when there is none.
func (f *fetcher) fly(ctx context.Context, src *source, p Point) *flight {
	return f.flights.join(src.kind+":"+p.Key(), func() (*entry, func(), error) {
		began := time.Now()
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.cfg.LockLease)
		handed := false
		defer func() { // a panic in refreshShared hands nothing on
			if !handed {
				cancel()
			}
		}()
		e, after, err := f.refreshShared(fctx, src, p)
		f.mark(src.kind, "flight", began)
		handed = true
		return e, func() {
			defer cancel()
			if after != nil {
				after()
			}
		}, err
	})
}

// refreshShared is one flight: the cell's entry, and what to do once the callers have it
// (nil for nothing).
func (f *fetcher) refreshShared(ctx context.Context, src *source, p Point) (*entry, func(), error) {
	cell := p.Key()
	lockKey := f.cache.key("lock:"+src.kind, cell)
	began := time.Now()
	// The lock, a look at the entry and the budget tokens of the flight's calls in one round
	// trip: the server runs the GET after the SET NX, so it sees whatever another flight or
	// instance wrote before our lock; tokens that turn out not to be needed go back.
	take, n := f.budget.takeCmd(src.calls)
	then := []valkey.Completed{f.cache.getServerCmd(src.kind, cell), take}
	if src.needs != nil {
		then = append(then, f.cache.getServerCmd(src.needs.kind, cell))
	}
	token, held, rs, err := f.lock.acquireThen(ctx, lockKey, f.cfg.LockLease, then...)
	if err == nil && held { // without the lock, a NOSCRIPT took nothing and needs nothing
		rs[1] = f.budget.retake(ctx, rs[1], n)
	}
	f.mark(src.kind, "lock", began)
	if err != nil || !held {
		if taken(rs[1]) {
			f.budget.giveBack(context.WithoutCancel(ctx), n)
		}
		if err != nil {
			return nil, nil, err
		}
		e, err := f.awaitOther(ctx, src, cell, lockKey)
		return e, nil, err
	}
	release := func() { f.lock.release(context.WithoutCancel(ctx), lockKey, token) }
	// The lock is released here, however the flight ends (a panic too), unless it is handed
	// to the work after the answer.
	handed := false
	defer func() {
		if !handed {
			release()
		}
	}()
	if e, err := f.cache.entryOf(src.kind, cell, f.cache.key(src.kind, cell), rs[0]); err == nil && e != nil && f.now().Before(e.FreshUntil) {
		if taken(rs[1]) {
			f.budget.giveBack(context.WithoutCancel(ctx), n)
		}
		src.encode(e)
		handed = true
		return e, release, nil
	}
	if err := f.budget.took(rs[1]); err != nil {
		return nil, nil, err
	}
	paid := &prepaid{}
	paid.n.Store(int32(n))
	// A call that failed (or panicked) leaves the tokens of the calls after it unspent.
	defer func() { f.budget.giveBack(context.WithoutCancel(ctx), int(paid.n.Load())) }()
	lctx := withPrepaid(ctx, paid)
	if src.needs != nil {
		lctx = context.WithValue(lctx, prefetchKey{}, &prefetch{src.needs.kind, cell, rs[2]})
	}
	l, err := src.load(lctx, p.Cell())
	if err != nil {
		return nil, nil, err
	}
	data, err := json.Marshal(l.data)
	if err != nil {
		return nil, nil, err
	}
	fresh := src.ttl
	if l.fresh > 0 && l.fresh < fresh {
		fresh = l.fresh
	}
	now := f.now()
	e := &entry{FetchedAt: now, FreshUntil: now.Add(fresh), Data: data}
	src.encode(e)
	handed = true
	return e, func() { f.keep(ctx, src, p, e, l.record, release) }, nil
}

// encode computes what the API writes of e (source.present) before the flight answers, so
// that its callers share it without queueing on the first of them to compute it. It runs
// before the flight hands its lock on: a present that panics fails the flight, which then
// releases the lock and caches nothing. An error is kept in e for each caller.
func (src *source) encode(e *entry) {
	if src.present != nil {
		_, _ = e.encoded(src.present)
	}
}

// keep is what follows a fresh entry's answer: Valkey gets it before the lock is released
// (so no instance starts a second chain for the cell), then the records, the durable level
// and the refreshed hook. The answer is given, so a failure here is logged, not returned:
// the next read of the cell fetches it again, or history misses one row.
func (f *fetcher) keep(ctx context.Context, src *source, p Point, e *entry, record func(context.Context) error, release func()) {
	cell := p.Key()
	defer func() { // no request's handler is there to recover it
		if v := recover(); v != nil {
			f.log.Error("weather: panic after a refresh's answer", "kind", src.kind, "cell", cell, "panic", v, "stack", string(debug.Stack()))
		}
	}()
	began := time.Now()
	err := f.cache.put(ctx, src.kind, cell, e, src.keep)
	release()
	f.mark(src.kind, "store", began)
	if err != nil {
		f.log.Warn("weather: caching a refreshed entry failed; the next read fetches it again", "kind", src.kind, "cell", cell, "err", err)
	}
	if record != nil {
		began = time.Now()
		if err := record(ctx); err != nil {
			f.log.Warn("weather: recording what a refresh learnt failed; history lacks it", "kind", src.kind, "cell", cell, "err", err)
		}
		f.mark(src.kind, "record", began)
	}
	if src.durable != nil {
		if err := src.durable.put(ctx, cell, e); err != nil {
			f.log.Warn("weather: keeping a refreshed entry in PostgreSQL failed", "kind", src.kind, "cell", cell, "err", err)
		}
	}
	if src.refreshed != nil {
		src.refreshed(p.Cell())
	}
}

// mark says that stage of a miss of kind ran from began until now: to the stage histogram,
// and to trace when set.
func (f *fetcher) mark(kind, stage string, began time.Time) {
	now := time.Now()
	f.m.stages.WithLabelValues(kind, stage).Observe(now.Sub(began).Seconds())
	if f.trace != nil {
		f.trace(kind, stage, began, now)
	}
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

// call makes one upstream call of kind with a token from the shared budget: one its flight
// took with its lock, else one taken now.
func (f *fetcher) call(ctx context.Context, kind string, fn func() error) error {
	if !spend(ctx) {
		began := time.Now()
		if err := f.budget.take(ctx); err != nil {
			return err
		}
		f.mark(kind, "budget", began)
	}
	began := time.Now()
	err := fn()
	f.mark(kind, "provider", began)
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
