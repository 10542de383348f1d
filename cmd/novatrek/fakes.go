package main

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/dev/fakes/nwsfake"
	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/platform/service"
)

// clientDefinitions are the definitions of names (every service when empty), whose
// clients fakes.Provide reads.
func clientDefinitions(names ...string) []service.Definition {
	var defs []service.Definition
	for _, def := range services() {
		name := def.Describe().Name
		if len(names) == 0 || slices.Contains(names, name) {
			defs = append(defs, def)
		}
	}
	return defs
}

// provideFakes starts the fakes the services' unset clients need and exports their
// variables into this process's environment, where the runner reads the services' clients
// (Host.Getenv is os.Getenv). baseURL gives a
// service's public URL ("" when unknown); opts.StackURL, where the stand-ins of other
// domains already run (dev). The returned func stops the fakes and unsets what was
// exported.
func provideFakes(ctx context.Context, log *slog.Logger, baseURL func(string) string, opts fakes.Options, names ...string) (func(), error) {
	set, err := fakes.Provide(ctx, clientDefinitions(names...), os.Getenv, baseURL, opts, log)
	if err != nil {
		return nil, err
	}
	for k, v := range set.Env {
		os.Setenv(k, v)
	}
	return func() {
		for k := range set.Env {
			os.Unsetenv(k)
		}
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := set.Stop(stop); err != nil {
			log.Warn("stopping the fakes", "err", err)
		}
	}, nil
}

// devStormCycle is how long one storm of the dev weather fake lasts, watch to cancel and a
// quiet spell: with svc-weather polling every 5 minutes, a session of half an hour sees
// the whole alert chain and the trips' risk rise and fall.
const devStormCycle = 30 * time.Minute

// devStorms is the weather fake's dev mode for novatrek dev: storms over the simulated
// trips' departure locations (the areas svc-weather knows).
func devStorms() *nwsfake.Storms {
	st := &nwsfake.Storms{Every: devStormCycle}
	for _, s := range simulate.Sites() {
		st.Areas = append(st.Areas, nwsfake.Area{Lat: s.Lat, Lon: s.Lon})
	}
	return st
}
