package service

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/stream"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// Definition is what the list of services holds (cmd/novatrek/services.go): a *Spec[S].
type Definition interface {
	// Describe is the static declaration: names, sets, topics, routes, clients.
	Describe() Description
	// Bind builds the state (New) and binds handlers, routes, workers and checks to it.
	Bind(ctx context.Context, env Env) (*Bound, error)
}

// Description is a Definition's static declaration, what the runner, the dev stack and the
// CLI need without starting anything.
type Description struct {
	Name   string
	Store  Store
	Valkey bool
	// Migrations are the platform sets the service uses, then its own, not yet composed
	// (migrate.Compose orders them).
	Migrations []migrate.Set
	Consumes   []string
	Consume    ConsumePolicy
	Produces   []string
	// OpenAPI, MaxBody and Idempotency are the API's; Routes its routes without handlers.
	OpenAPI     []byte
	MaxBody     int64
	Idempotency Idempotency
	Routes      []RouteInfo
	Clients     []Client
	Settings    []Setting
	Workers     []string
	Rebuild     func(ctx context.Context, tx pgx.Tx) error
}

// RouteInfo is a route as declared, without its handler.
type RouteInfo struct {
	Pattern string
	Access  Access
	Key     KeyMode
}

// TakesKeys reports whether any route takes an Idempotency-Key.
func (d Description) TakesKeys() bool {
	for _, r := range d.Routes {
		if r.Key != NoKey {
			return true
		}
	}
	return false
}

// Bound is a Definition bound to its state: what the runner runs.
type Bound struct {
	Routes  []stream.Route
	API     []BoundRoute
	Workers []Loop
	Checks  []ReadyCheck
	// Close releases what the state holds besides the runner's pool and clients (a
	// connection pool to a second store): the state's Close when it is an io.Closer, run
	// once its loops have stopped. Nil when it is not.
	Close func() error
}

// BoundRoute is a route with its handler bound to the state.
type BoundRoute struct {
	RouteInfo
	Handle func(w http.ResponseWriter, r *http.Request) error
}

// Loop is a named long-running function.
type Loop struct {
	Name string
	Run  func(ctx context.Context) error
}

// Describe implements Definition.
func (s *Spec[S]) Describe() Description {
	d := Description{Name: s.Name, Store: s.Store, Valkey: s.Valkey, Consume: s.Consume, Produces: s.Produces,
		OpenAPI: s.API.OpenAPI, MaxBody: s.API.MaxBody, Idempotency: s.API.Idempotency,
		Clients: s.Clients, Settings: s.Settings, Rebuild: s.Rebuild}
	for _, sub := range s.Subscriptions {
		d.Consumes = append(d.Consumes, sub.topic)
	}
	for _, r := range s.API.Routes {
		d.Routes = append(d.Routes, RouteInfo{Pattern: r.Pattern, Access: r.Access, Key: r.Key})
	}
	for _, w := range s.Workers {
		d.Workers = append(d.Workers, w.Name)
	}
	if len(d.Consumes) > 0 {
		d.Migrations = append(d.Migrations, stream.Migrations())
	}
	if len(d.Produces) > 0 {
		d.Migrations = append(d.Migrations, pgoutbox.Migrations())
	}
	if d.TakesKeys() {
		d.Migrations = append(d.Migrations, idempotency.Migrations())
	}
	d.Migrations = append(d.Migrations, s.Store.Migrations...)
	return d
}

// Bind implements Definition: it calls New and binds everything declared to the state.
func (s *Spec[S]) Bind(ctx context.Context, env Env) (*Bound, error) {
	if s.New == nil {
		return nil, fmt.Errorf("service %s: its Spec has no New", s.Name)
	}
	st, err := s.New(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", s.Name, err)
	}
	b := &Bound{}
	if c, ok := any(st).(io.Closer); ok {
		b.Close = c.Close
	}
	for _, sub := range s.Subscriptions {
		b.Routes = append(b.Routes, sub.bind(st))
	}
	for _, r := range s.API.Routes {
		b.API = append(b.API, BoundRoute{RouteInfo: RouteInfo{Pattern: r.Pattern, Access: r.Access, Key: r.Key},
			Handle: func(w http.ResponseWriter, req *http.Request) error { return r.Handle(st, w, req) }})
	}
	for _, w := range s.Workers {
		b.Workers = append(b.Workers, Loop{Name: w.Name, Run: func(ctx context.Context) error { return w.Run(st, ctx) }})
	}
	for _, c := range s.Checks {
		b.Checks = append(b.Checks, ReadyCheck{Name: c.Name, Probe: func(ctx context.Context) error { return c.Probe(st, ctx) }})
	}
	return b, nil
}

// ResolveClients resolves the declared clients from getenv, one error per missing variable.
func (d Description) ResolveClients(getenv func(string) string) (map[string]*Endpoint, error) {
	out := make(map[string]*Endpoint, len(d.Clients))
	for _, c := range d.Clients {
		ep, err := c.resolve(getenv)
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", d.Name, err)
		}
		out[c.Name] = ep
	}
	return out, nil
}
