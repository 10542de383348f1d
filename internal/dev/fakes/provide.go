package fakes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/novatrek/support/internal/platform/service"
)

// Set is the fakes Provide started and the variables that point the clients at them.
type Set struct {
	// Env is the overlay: each variable Provide filled, by name. Variables already set are
	// never in it.
	Env    map[string]string
	stacks map[string]stack
}

// Getenv reads the overlay first, then getenv: what a service started with the fakes reads.
func (s *Set) Getenv(getenv func(string) string) func(string) string {
	return func(name string) string {
		if v, ok := s.Env[name]; ok {
			return v
		}
		return getenv(name)
	}
}

// Stop stops every fake Provide started.
func (s *Set) Stop(ctx context.Context) error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(s.stacks)) {
		if err := s.stacks[name].stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("fake %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Provide starts the fakes the definitions' clients need and returns them with the overlay
// that points the clients at them. A client whose URLEnv getenv returns is left alone; for
// one without: its RequireEnv set to true is an error naming both variables; an Optional
// client without a Fake stays unset; otherwise its Fake is started (once per Set, however
// many clients name it) and URLEnv, KeyEnv and the Env roles are filled, with one warning
// per fake. A client with a Webhook gets PublicURLEnv = baseURL(service) when unset, and
// the fake calls back on that URL plus Webhook. baseURL returning "" means the service's
// public URL is not known: such a client gets no fake (a legacy service then starts its
// own). An unknown Fake key is an error.
func Provide(ctx context.Context, defs []service.Definition, getenv func(string) string, baseURL func(service string) string, opts Options, log *slog.Logger) (*Set, error) {
	set := &Set{Env: map[string]string{}, stacks: map[string]stack{}}
	type need struct {
		service string
		client  service.Client
	}
	var needs []need
	if opts.Webhooks == nil {
		opts.Webhooks = map[string]string{}
	}
	for _, def := range defs {
		d := def.Describe()
		for _, c := range d.Clients {
			if getenv(c.URLEnv) != "" || (c.Optional && c.Fake == "") {
				continue
			}
			if err := refuseFake(c, getenv); err != nil {
				return nil, fmt.Errorf("service %s: %w", d.Name, err)
			}
			if _, ok := registry[c.Fake]; !ok {
				return nil, fmt.Errorf("service %s: client %s: no fake %q (known: %v); set %s", d.Name, c.Name, c.Fake, Keys(), c.URLEnv)
			}
			if c.Webhook != "" {
				public := getenv(c.PublicURLEnv)
				if public == "" && baseURL != nil {
					public = baseURL(d.Name)
				}
				if public == "" {
					continue
				}
				if getenv(c.PublicURLEnv) == "" {
					set.Env[c.PublicURLEnv] = public
				}
				opts.Webhooks[c.Fake] = webhookURL(public, c.Webhook)
			}
			needs = append(needs, need{d.Name, c})
		}
	}
	for _, n := range needs {
		f := registry[n.client.Fake]
		if f.stack == stackStandIns && opts.StandIns != "" {
			// The dev stack's stand-ins, fed from the topics, answer for this service.
			fill(set.Env, n.client, map[string]string{RoleURL: strings.TrimRight(opts.StandIns, "/") + "/" + n.client.Fake}, getenv)
			continue
		}
		st, ok := set.stacks[f.stack]
		if !ok {
			var err error
			if st, err = starters[f.stack](opts); err != nil {
				_ = set.Stop(ctx)
				return nil, fmt.Errorf("service %s: start the fake %s: %w", n.service, f.what, err)
			}
			set.stacks[f.stack] = st
			log.Warn(n.client.URLEnv+" is unset: using the built-in fake "+f.what+", dev only", "service", n.service, "url", st.values(n.client.Fake)[RoleURL])
		}
		fill(set.Env, n.client, st.values(n.client.Fake), getenv)
	}
	return set, nil
}

// refuseFake is the error of a client whose RequireEnv forbids a fake.
func refuseFake(c service.Client, getenv func(string) string) error {
	if c.RequireEnv == "" {
		return nil
	}
	v := getenv(c.RequireEnv)
	if v == "" {
		return nil
	}
	required, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("%s %q is not true or false", c.RequireEnv, v)
	}
	if required {
		return fmt.Errorf("client %s: %s is unset and %s=true forbids the built-in fake", c.Name, c.URLEnv, c.RequireEnv)
	}
	return nil
}

// fill puts the fake's values into env under the client's variables, never over one
// getenv already has.
func fill(env map[string]string, c service.Client, vals map[string]string, getenv func(string) string) {
	set := func(name, role string) {
		if name != "" && getenv(name) == "" && vals[role] != "" {
			env[name] = vals[role]
		}
	}
	set(c.URLEnv, RoleURL)
	set(c.KeyEnv, RoleKey)
	for role, name := range c.Env {
		set(name, role)
	}
}
