package service

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/novatrek/support/internal/platform/topology"
)

// ErrNoServices is returned by LookupDefinition when no service is implemented yet.
var ErrNoServices = errors.New("no services are implemented yet (add one to cmd/novatrek/services.go)")

// DefinitionNames returns the names of defs, sorted.
func DefinitionNames(defs []Definition) []string {
	names := make([]string, 0, len(defs))
	for _, d := range defs {
		names = append(names, d.Describe().Name)
	}
	slices.Sort(names)
	return names
}

// LookupDefinition returns the definition called name, or an error listing the known ones.
func LookupDefinition(defs []Definition, name string) (Definition, error) {
	if len(defs) == 0 {
		return nil, fmt.Errorf("service %q: %w", name, ErrNoServices)
	}
	for _, d := range defs {
		if d.Describe().Name == name {
			return d, nil
		}
	}
	return nil, fmt.Errorf("unknown service %q; known services: %s", name, strings.Join(DefinitionNames(defs), ", "))
}

// CheckList verifies that the list is coherent with topics.yaml: every name is unique and is
// one of our services there, and no two services claim the same PostgreSQL schema. The
// runner's Check starts with it, so a mistyped name fails before anything connects.
func CheckList(defs []Definition, topo *topology.Topology) error {
	names := map[string]bool{}
	schemas := map[string]string{}
	var errs []error
	for _, def := range defs {
		d := def.Describe()
		if names[d.Name] {
			errs = append(errs, fmt.Errorf("service %q is listed twice", d.Name))
		}
		names[d.Name] = true
		if ts, ok := topo.Service(d.Name); !ok || !ts.Ours {
			errs = append(errs, fmt.Errorf("service %q is not one of our services in topics.yaml", d.Name))
		}
		if sc := d.Store.Schema; sc != "" {
			if other, dup := schemas[sc]; dup {
				errs = append(errs, fmt.Errorf("services %q and %q both claim PostgreSQL schema %q", other, d.Name, sc))
			}
			schemas[sc] = d.Name
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("service list: %w", err)
	}
	return nil
}
