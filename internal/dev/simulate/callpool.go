package simulate

import (
	"context"
	"strings"
	"sync"
)

// callPool makes the simulated API calls concurrently (Config.Concurrency), so a run is not
// held to one round trip per call: one by one through a proxy on a loaded machine, the
// calls, not Kafka, set the pace (a soak at 60 events/s fell behind). The workflows' order
// is kept where it matters:
//
//   - calls of one lane (lane) are made one after the other, in the generator's order: a
//     domain's back office, a guest's own calls;
//   - a call naming a saved id ({$name}, an upload grant) waits for the call saving it;
//   - an event waits for the calls it needs made first (mustPrecede: the contact of a
//     person it names) — not for the neighbours' deferred calls that merely ride along.
//
// Prerequisites are always calls dispatched earlier, so a call waits for them before it
// takes one of the Concurrency slots: the earliest call waiting can always run.
type callPool struct {
	run  func(ctx context.Context, c Call) // makes c and counts its result
	slot chan struct{}                     // Concurrency calls at once
	// window bounds the calls dispatched and not yet done, so a stalled service stops the
	// generator instead of piling up goroutines.
	window chan struct{}
	wg     sync.WaitGroup

	mu     sync.Mutex
	lanes  map[string]chan struct{} // the last call dispatched on each lane: done when closed
	savers map[string]chan struct{} // the last call saving each name
}

func newCallPool(concurrency int, run func(ctx context.Context, c Call)) *callPool {
	return &callPool{run: run, slot: make(chan struct{}, concurrency), window: make(chan struct{}, 64*concurrency),
		lanes: map[string]chan struct{}{}, savers: map[string]chan struct{}{}}
}

// dispatch starts c and returns a channel closed once it is done (or given up because ctx
// is done).
func (p *callPool) dispatch(ctx context.Context, c Call) <-chan struct{} {
	done := make(chan struct{})
	select {
	case p.window <- struct{}{}:
	case <-ctx.Done():
		close(done)
		return done
	}
	p.mu.Lock()
	var before []chan struct{}
	if l := lane(c); l != "" {
		if prev := p.lanes[l]; prev != nil {
			before = append(before, prev)
		}
		p.lanes[l] = done
	}
	for _, name := range usedNames(c) {
		if s := p.savers[name]; s != nil {
			before = append(before, s)
		}
	}
	if c.Save != "" {
		p.savers[c.Save] = done
	}
	p.mu.Unlock()
	p.wg.Go(func() {
		defer func() { <-p.window }()
		defer p.forget(c, done)
		for _, b := range before {
			select {
			case <-b:
			case <-ctx.Done():
				return
			}
		}
		select {
		case p.slot <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-p.slot }()
		p.run(ctx, c)
	})
	return done
}

// forget closes done and drops it from the maps when nothing newer took its place, so the
// maps hold only calls in flight.
func (p *callPool) forget(c Call, done chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(done)
	if l := lane(c); l != "" && p.lanes[l] == done {
		delete(p.lanes, l)
	}
	if c.Save != "" && p.savers[c.Save] == done {
		delete(p.savers, c.Save)
	}
}

// wait blocks until every call dispatched is done.
func (p *callPool) wait() { p.wg.Wait() }

// lane is the sequence c belongs to: the caller and the token it calls with (a back office,
// one guest's app), whose calls build on each other in ways no saved id says (an order's
// transitions one after the other, the stock they receive before it is used; a review, then
// its duplicate refused with 409). Calls in no lane ("") run freely: those that each name
// their own resource and that nothing after them builds on (contacts, push devices, reads,
// occupancy adjustments, deposits, the setup's locations), and those whose one follow-up
// names the id they save, which orders it (an upload and its completion, a redemption and
// its cancellation). A long lane bounds the pool: its calls wait one by one while the
// window of calls in flight fills behind them.
func lane(c Call) string {
	switch c.Route {
	case RouteContact, RouteDevice, RouteLocation, RouteCapacity, RoutePickup, RouteTrail, RoutePosition, RouteAdjust, RouteDeposit,
		RouteMediaUpload, RouteMediaComplete, RouteRedeem, RouteCancelRedemption:
		return ""
	}
	return c.Caller + " " + c.Token
}

// mustPrecede reports whether c must be done before the event that carries it in Before is
// sent: a contact (and a staff app's device) of a person the event names for the first time.
func mustPrecede(c Call) bool { return c.Route == RouteContact || c.Route == RouteDevice }

// usedNames are the saved names c's path, If-Match path and upload name.
func usedNames(c Call) []string {
	var names []string
	for _, p := range []string{c.Path, c.IfMatch} {
		for {
			i := strings.Index(p, "{$")
			if i < 0 {
				break
			}
			j := strings.IndexByte(p[i:], '}')
			if j < 0 {
				break // fill reports it
			}
			names = append(names, p[i+2:i+j])
			p = p[i+j+1:]
		}
	}
	if c.Upload != nil {
		names = append(names, c.Upload.Grant)
	}
	return names
}
