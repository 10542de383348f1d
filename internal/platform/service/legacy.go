package service

import (
	"context"
	"errors"
)

// Legacy adapts a Service (Name/Schema/Migrations/Run) to a Definition, so lists and the
// runner hold both kinds until payments and notifications move onto a Spec (issue 12,
// WP5/WP6); it goes then. The runner runs a legacy service the old way (Run with Deps).
func Legacy(s Service) Definition { return legacy{s} }

type legacy struct{ s Service }

func (l legacy) Describe() Description {
	d := Description{Name: l.s.Name(), Store: Store{Schema: l.s.Schema()}, Migrations: l.s.Migrations(), Legacy: l.s}
	if r, ok := l.s.(Rebuilder); ok {
		d.Rebuild = r.Rebuild
	}
	return d
}

// Bind refuses: a legacy service binds nothing, it runs itself from Deps (Description.Legacy).
func (l legacy) Bind(context.Context, Env) (*Bound, error) {
	return nil, errors.New("service " + l.s.Name() + ": a legacy service runs with Deps, not Bind")
}
