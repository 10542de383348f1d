// Package service defines what every NovaTrek support service implements so the CLI can
// start it — all of them in one process with `novatrek dev`, or one per process in production
// with `novatrek run <service>` — and the dependencies the CLI hands it.
//
// A service is deliberately small from the outside: a name (its consumer group id and its
// topics.yaml producer/consumer name), the PostgreSQL schema it owns, the migration sets of
// that schema, and a Run method. Consumer loops, the outbox relay and HTTP handlers all live
// inside Run, built from [Deps]; the stream runtime provides the consumer loop.
package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/topology"
)

// Service is one stream processor of the support domain.
type Service interface {
	// Name is the service's name in topics.yaml, e.g. "svc-payments". It is also its
	// consumer group id, so its dead-letter topic is topology.DeadLetterTopic(Name()).
	Name() string
	// Schema is the PostgreSQL schema the service owns, e.g. "payments"; "" when the
	// service keeps nothing in PostgreSQL.
	Schema() string
	// Migrations are the sets applied to Schema before Run: the service's own and the
	// platform sets it uses (stream inbox, outbox), in order.
	Migrations() []migrate.Set
	// Run runs the service until ctx is done and returns nil after a clean shutdown. Any
	// other return is fatal for the process: `dev` and `run` stop everything and exit.
	Run(ctx context.Context, deps Deps) error
}

// ErrNoServices is returned by Lookup when no service is implemented yet.
var ErrNoServices = errors.New("no services are implemented yet (add one to cmd/novatrek/services.go)")

// Names returns the names of svcs, sorted.
func Names(svcs []Service) []string {
	names := make([]string, 0, len(svcs))
	for _, s := range svcs {
		names = append(names, s.Name())
	}
	slices.Sort(names)
	return names
}

// Lookup returns the service called name, or an error listing the known ones.
func Lookup(svcs []Service, name string) (Service, error) {
	if len(svcs) == 0 {
		return nil, fmt.Errorf("service %q: %w", name, ErrNoServices)
	}
	for _, s := range svcs {
		if s.Name() == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unknown service %q; known services: %s", name, strings.Join(Names(svcs), ", "))
}

// Check verifies that the list is coherent with topics.yaml: every name is unique and is
// one of our services there, and no two services claim the same PostgreSQL schema. The CLI
// runs it at start, so a mistyped name fails before anything connects.
func Check(svcs []Service, topo *topology.Topology) error {
	names := map[string]bool{}
	schemas := map[string]string{}
	var errs []error
	for _, s := range svcs {
		n := s.Name()
		if names[n] {
			errs = append(errs, fmt.Errorf("service %q is listed twice", n))
		}
		names[n] = true
		if ts, ok := topo.Service(n); !ok || !ts.Ours {
			errs = append(errs, fmt.Errorf("service %q is not one of our services in topics.yaml", n))
		}
		if sc := s.Schema(); sc != "" {
			if other, dup := schemas[sc]; dup {
				errs = append(errs, fmt.Errorf("services %q and %q both claim PostgreSQL schema %q", other, n, sc))
			}
			schemas[sc] = n
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("service list: %w", err)
	}
	return nil
}
