package runner

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
)

// Check verifies a list of definitions before anything connects: names unique and ours in
// topics.yaml, schemas unique (service.CheckList), and for each Spec: subscriptions and Produces
// equal to topics.yaml's roles, route patterns valid and unique, migration sets composable,
// client names unique. Every problem is reported at once.
func Check(defs []service.Definition, topo *topology.Topology) error {
	var errs []error
	if err := service.CheckList(defs, topo); err != nil {
		errs = append(errs, err)
	}
	for _, def := range defs {
		errs = append(errs, checkSpec(def.Describe(), topo)...)
	}
	return errors.Join(errs...)
}

func checkSpec(d service.Description, topo *topology.Topology) []error {
	var errs []error
	if err := topo.CheckRoles(d.Name, d.Consumes, d.Produces); err != nil {
		errs = append(errs, fmt.Errorf("service %s: %w", d.Name, err))
	}
	if d.Store.Schema == "" && (len(d.Consumes) > 0 || len(d.Produces) > 0 || d.TakesKeys()) {
		errs = append(errs, fmt.Errorf("service %s: consuming, producing or taking idempotency keys needs a Store schema", d.Name))
	}
	if _, err := migrate.Compose(d.Migrations...); err != nil {
		errs = append(errs, fmt.Errorf("service %s: %w", d.Name, err))
	}
	mux := http.NewServeMux()
	for _, r := range d.Routes {
		if err := register(mux, r.Pattern, http.NotFoundHandler()); err != nil {
			errs = append(errs, fmt.Errorf("service %s: %w", d.Name, err))
		}
		if !r.Access.Public && (r.Access.Perm == "" || len(r.Access.Callers) == 0) {
			errs = append(errs, fmt.Errorf("service %s: route %q names no permission or no callers (use service.Perm, or service.Public for a webhook)", d.Name, r.Pattern))
		}
	}
	clients := map[string]bool{}
	for _, c := range d.Clients {
		if clients[c.Name] {
			errs = append(errs, fmt.Errorf("service %s: client %q is declared twice", d.Name, c.Name))
		}
		clients[c.Name] = true
	}
	return errs
}

// register adds h to mux at pattern, turning ServeMux's panic on a malformed or conflicting
// pattern into an error.
func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("route %q: %v", pattern, p)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}
