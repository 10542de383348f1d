package service

import (
	"context"
	"fmt"
	"sync"
)

// Group runs a service's long-lived loops (consumer, outbox relay, workers) until ctx ends or
// the first of them fails; then it cancels the others and waits for them. Errors a loop
// returns after the group was cancelled are shutdown noise and are not reported.
//
// It differs from errgroup in two ways a service needs: a loop that returns nil early does
// not end the group (the service keeps running until ctx ends), and the error names the loop.
type Group struct {
	service string
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	once    sync.Once
	err     error
}

// NewGroup returns a Group whose errors are prefixed with the service name.
func NewGroup(ctx context.Context, service string) *Group {
	g := &Group{service: service}
	g.ctx, g.cancel = context.WithCancel(ctx)
	return g
}

// Go runs fn in its own goroutine with the group's context.
func (g *Group) Go(name string, fn func(context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := fn(g.ctx); err != nil && g.ctx.Err() == nil {
			g.once.Do(func() { g.err = fmt.Errorf("%s: %s: %w", g.service, name, err) })
			g.cancel()
		}
	}()
}

// Wait blocks until ctx ends or a loop fails, then until every loop has returned. It returns
// the first failure, or nil after a clean shutdown.
func (g *Group) Wait() error {
	<-g.ctx.Done()
	g.wg.Wait()
	g.cancel()
	return g.err
}
