package weather

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// flights coalesces the refreshes of one kind and cell in this process, as singleflight
// does, with one difference that a cold miss's latency needs: the callers are answered as
// soon as the flight has its entry, before what follows the answer (the Valkey write, the
// lock's release, the records in PostgreSQL), and the flight stays joinable meanwhile,
// answering that entry at once. So a cold read waits for none of those writes, and a miss
// arriving while they run starts no second provider chain: when the flight is gone, the
// entry is in Valkey and the lock released.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

// flight is one refresh under way.
type flight struct {
	answered chan struct{} // closed once e and err are set
	e        *entry
	err      error
	settled  chan struct{} // closed once the work after the answer is done and the flight gone
}

// join returns key's flight, starting one that runs fly in its own goroutine when there is
// none (so that a caller giving up abandons nothing). fly returns the answer and the work
// that follows it (nil for none).
func (g *flights) join(key string, fly func() (*entry, func(), error)) *flight {
	g.mu.Lock()
	if fl, ok := g.m[key]; ok {
		g.mu.Unlock()
		return fl
	}
	fl := &flight{answered: make(chan struct{}), settled: make(chan struct{})}
	if g.m == nil {
		g.m = map[string]*flight{}
	}
	g.m[key] = fl
	g.mu.Unlock()
	go func() {
		defer func() {
			g.mu.Lock()
			delete(g.m, key)
			g.mu.Unlock()
			close(fl.settled)
		}()
		after := fl.run(fly)
		close(fl.answered)
		if after != nil {
			after()
		}
	}()
	return fl
}

// run sets the flight's answer; a panic becomes its error (the callers get stale data or a
// 503 naming it, the process goes on) rather than ending the process from a goroutine no
// handler recovers.
func (fl *flight) run(fly func() (*entry, func(), error)) (after func()) {
	defer func() {
		if p := recover(); p != nil {
			fl.e, after = nil, nil
			fl.err = fmt.Errorf("weather: refresh panicked: %v\n%s", p, debug.Stack())
		}
	}()
	fl.e, after, fl.err = fly()
	return after
}

// wait is the flight's answer, or ctx's error if ctx ends first.
func (fl *flight) wait(ctx context.Context) (*entry, error) {
	select {
	case <-fl.answered:
		return fl.e, fl.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// settle waits until every flight under way has done the work after its answer: the
// tests read the cache and the store right after a read, and Close lets the records land
// before the pool closes.
func (g *flights) settle(ctx context.Context) error {
	g.mu.Lock()
	under := make([]*flight, 0, len(g.m))
	for _, fl := range g.m {
		under = append(under, fl)
	}
	g.mu.Unlock()
	for _, fl := range under {
		select {
		case <-fl.settled:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
