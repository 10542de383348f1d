package fakes

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"

	"github.com/novatrek/support/internal/dev/standin"
	"github.com/novatrek/support/internal/platform/apiauth"
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

// Provide starts the fakes the definitions' clients and settings need and returns them with the overlay
// that points the clients at them. A client whose URLEnv getenv returns is left alone; for
// one without: its RequireEnv set to true is an error naming both variables; an Optional
// client without a Fake stays unset; otherwise its Fake is started (once per Set, however
// many clients name it) and URLEnv, KeyEnv and the Env roles are filled, with one warning
// per fake. A client with a Webhook gets PublicURLEnv = baseURL(service) when unset, and
// the fake calls back on that URL plus Webhook. baseURL returning "" means the service's
// public URL is not known: such a client gets no fake (a legacy service then starts its
// own). A client naming a StandIn (another domain's service) and no Fake gets the URL of
// that service's stand-in (Set.standIn); one naming another of our Services gets that
// service in the dev stack (Set.ourService). A Setting whose Env is unset gets its fake's
// file (the dev staff directory), written into opts.DataDir. An unknown Fake key is an
// error.
func Provide(ctx context.Context, defs []service.Definition, getenv func(string) string, baseURL func(service string) string, opts Options, log *slog.Logger) (*Set, error) {
	set := &Set{Env: map[string]string{}, stacks: map[string]stack{}}
	type need struct {
		service string
		client  service.Client
		unset   string // the variable whose absence starts the fake
	}
	var needs []need
	if opts.Webhooks == nil {
		opts.Webhooks = map[string]string{}
	}
	for _, def := range defs {
		d := def.Describe()
		for _, c := range d.Clients {
			if getenv(c.URLEnv) != "" || (c.Optional && c.Fake == "" && c.StandIn == "" && c.Service == "") {
				continue
			}
			if err := refuseFake(c, getenv); err != nil {
				return nil, fmt.Errorf("service %s: %w", d.Name, err)
			}
			if c.Service != "" && c.Fake == "" {
				set.ourService(c, d.Name, opts, getenv)
				continue
			}
			if c.StandIn != "" && c.Fake == "" {
				if err := set.standIn(c, opts, log, d.Name); err != nil {
					_ = set.Stop(ctx)
					return nil, err
				}
				continue
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
			needs = append(needs, need{d.Name, c, c.URLEnv})
		}
		for _, st := range d.Settings {
			if getenv(st.Env) != "" {
				continue
			}
			if _, ok := registry[st.Fake]; !ok {
				return nil, fmt.Errorf("service %s: setting %s: no fake %q (known: %v); set %s", d.Name, st.Env, st.Fake, Keys(), st.Env)
			}
			// A setting is a client with one value, the file: filled like a client's Env.
			needs = append(needs, need{d.Name, service.Client{Name: st.Env, Fake: st.Fake, Env: map[string]string{RoleFile: st.Env}}, st.Env})
		}
	}
	for _, n := range needs {
		f := registry[n.client.Fake]
		st, ok := set.stacks[f.stack]
		if !ok {
			var err error
			if st, err = starters[f.stack](opts); err != nil {
				_ = set.Stop(ctx)
				return nil, fmt.Errorf("service %s: start the fake %s: %w", n.service, f.what, err)
			}
			set.stacks[f.stack] = st
			vals := st.values(n.client.Fake)
			log.Warn(n.unset+" is unset: using the built-in fake "+f.what+", dev only", "service", n.service, "at", cmp.Or(vals[RoleURL], vals[RoleFile]))
		}
		fill(set.Env, n.client, st.values(n.client.Fake), getenv)
	}
	return set, nil
}

// ourService points client c, which calls another of our services, at that service in the
// running dev stack with the caller's dev token; outside dev it leaves c unset.
func (s *Set) ourService(c service.Client, caller string, opts Options, getenv func(string) string) {
	if opts.StackURL == nil {
		return
	}
	url := opts.StackURL(c.Service)
	if url == "" {
		return
	}
	s.Env[c.URLEnv] = url
	if c.KeyEnv != "" && getenv(c.KeyEnv) == "" {
		s.Env[c.KeyEnv] = apiauth.DevToken(caller)
	}
}

// standIn points client c, which calls another domain's service, at that service's
// stand-in: the running one opts.StackURL names (the dev stack's), else the in-memory
// stand-ins, started once per Set.
func (s *Set) standIn(c service.Client, opts Options, log *slog.Logger, svc string) error {
	if !slices.Contains(standin.Services(), c.StandIn) {
		return fmt.Errorf("service %s: client %s: no stand-in for %q (known: %v); set %s", svc, c.Name, c.StandIn, standin.Services(), c.URLEnv)
	}
	if opts.StackURL != nil {
		if url := opts.StackURL(c.StandIn); url != "" {
			s.Env[c.URLEnv] = url
			return nil
		}
	}
	st, ok := s.stacks[standInStack]
	if !ok {
		var err error
		if st, err = startStandIns(); err != nil {
			return fmt.Errorf("service %s: start the stand-ins: %w", svc, err)
		}
		s.stacks[standInStack] = st
		log.Warn(c.URLEnv+" is unset: using an in-memory stand-in of "+c.StandIn+" that knows only what it is given, dev only",
			"service", svc, "url", st.values(c.StandIn)[RoleURL])
	}
	s.Env[c.URLEnv] = st.values(c.StandIn)[RoleURL]
	return nil
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
