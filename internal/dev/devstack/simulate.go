package devstack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/dev/standin"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/publish"
)

// startStandins serves the stand-ins of the other domains' services (standin.Services)
// under /<service>/ on the stack's HTTP address, fed by the topics.
func (s *Stack) startStandins(ctx context.Context) error {
	store := standin.NewStore()
	c, err := standin.NewConsumer(store, serde.New(s.registry), s.cfg.Topology, s.log, s.kafkaOpts()...)
	if err != nil {
		return err
	}
	h := standin.Handler(store)
	for _, p := range standin.Prefixes() {
		s.opsMux.Handle(p, h)
	}
	s.background("stand-ins", c.Run)
	s.log.InfoContext(ctx, "stand-ins started", "at", "http://"+s.HTTPAddr(), "routes", standin.Routes())
	return nil
}

// startSimulator produces simulated traffic at SimulateRate, when set. A simulator failure
// is logged and stops the simulator only: the stack stays up.
func (s *Stack) startSimulator(ctx context.Context) error {
	if s.cfg.SimulateRate <= 0 {
		return nil
	}
	if s.cfg.SimulateSeed == "" {
		s.cfg.SimulateSeed = simulate.RandomSeed() // chosen here so the banner can show it
	}
	cl, err := kgo.NewClient(append(s.kafkaOpts(), kgo.ClientID("novatrek-simulate"))...)
	if err != nil {
		return fmt.Errorf("simulator: kafka client: %w", err)
	}
	s.onClose("simulator kafka client", func(context.Context) error { cl.Close(); return nil })
	pub, err := publish.New(cl, s.RegistryURL(), publish.WithSerde(serde.New(s.registry)), publish.WithTopology(s.cfg.Topology))
	if err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	cfg := simulate.Config{
		Rate: s.cfg.SimulateRate, Seed: s.cfg.SimulateSeed, Topology: s.cfg.Topology,
		Sink: simulate.NewPublishSink(cl, pub), Logger: s.log, Metrics: s.metrics,
	}
	// The simulated domains also call our services' APIs (contacts, push devices): each
	// call goes to the running service whose Spec declares its route.
	routes, bases, err := s.callRoutes(ctx)
	if err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	cfg.Calls = routes
	s.background("simulator", func(ctx context.Context) error {
		for _, base := range bases {
			s.awaitAPI(ctx, base)
		}
		_, err := simulate.Run(ctx, cfg)
		return err
	})
	return nil
}

// callRoutes maps every route the simulator calls (simulate.CallRoutes) to the running
// service that declares it, and returns the base URLs of those services. A route no running
// service declares is said once, here: its calls are skipped (counted, not logged each).
func (s *Stack) callRoutes(ctx context.Context) (simulate.Routes, []string, error) {
	routes := simulate.Routes{}
	var bases []string
	if !s.cfg.NoServices {
		for _, def := range s.cfg.Services {
			d := def.Describe()
			base := "http://" + s.HTTPAddr() + "/" + d.Name
			var sink *simulate.HTTPSink
			for _, r := range d.Routes {
				if !simulate.Calls(r.Pattern) {
					continue
				}
				if sink == nil {
					var err error
					if sink, err = simulate.NewHTTPSink(base); err != nil {
						return nil, nil, err
					}
					bases = append(bases, base)
				}
				routes.Add(r.Pattern, sink)
			}
		}
	}
	if missing := routes.Unserved(); len(missing) > 0 {
		s.log.WarnContext(ctx, "simulator: no running service declares these routes; their simulated calls are skipped", "routes", missing)
	}
	return routes, bases, nil
}

// awaitAPI waits (up to 30 s) until the service at base serves its /openapi.json, so the
// first calls do not meet the 404 of a service still starting; past that the simulator
// starts anyway and counts the failed calls.
func (s *Stack) awaitAPI(ctx context.Context, base string) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/openapi.json", nil)
		if err != nil {
			return
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-ctx.Done():
			s.log.Warn("simulator: a service's API did not answer; its calls may fail", "url", base)
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// background runs fn until Close; an error other than the stop is logged, not fatal.
func (s *Stack) background(name string, fn func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Error(name+" stopped", "err", err)
		}
	}()
	s.onClose(name, func(stop context.Context) error {
		cancel()
		select {
		case <-done:
			return nil
		case <-stop.Done():
			return fmt.Errorf("%s did not stop in time", name)
		}
	})
}
