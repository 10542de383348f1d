package devstack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/service"
)

// serviceGroup runs the services, each in its own goroutine, under one cancel.
type serviceGroup struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	failed chan error // the first failure; buffered so a failing service never blocks
	// running are the started services, each stopped by stop.
	running []*runner.Service
}

// startServices starts every configured definition through runner.Start, as `novatrek run`
// does, on the stack's connections. Each service's API is
// served under /<name>/ on the stack's HTTP address.
func (s *Stack) startServices(ctx context.Context) error {
	g := &serviceGroup{failed: make(chan error, 1)}
	s.services = g
	if len(s.cfg.Services) == 0 {
		s.log.InfoContext(ctx, "no services implemented yet; the platform is up without them")
		return nil
	}
	if s.cfg.NoServices {
		s.log.InfoContext(ctx, "services not started (--no-services): their groups have no live members", "services", service.DefinitionNames(s.cfg.Services))
		return nil
	}
	if s.cfg.Getenv == nil {
		s.cfg.Getenv = os.Getenv // the dev command exports the fakes' variables into it
	}
	vk := service.ExistingValkey(s.valkey)
	vk.KeyPrefix = s.state.ValkeyPrefix
	h := runner.Host{
		Config: config.Config{
			KafkaBrokers:      s.Brokers(),
			SchemaRegistryURL: s.RegistryURL(),
			DatabaseURL:       s.cfg.DatabaseURL,
			ValkeyURL:         s.cfg.ValkeyURL,
			DataDir:           s.cfg.DataDir,
			HTTPAddr:          s.HTTPAddr(),
			KafkaCompression:  s.cfg.KafkaCompression,
		},
		Logger:    s.log,
		Metrics:   s.metrics,
		DB:        s.pool,
		Registry:  s.registry,
		Serde:     serde.New(s.registry),
		Topology:  s.cfg.Topology,
		KafkaOpts: s.kafkaOpts(),
		Valkey:    vk,
		Getenv:    s.cfg.Getenv,
		BaseURL:   func(name string) string { return "http://" + s.HTTPAddr() + "/" + name },
	}
	// Services run under their own context: they stop when Close says so, after which
	// the stores and Kafka they use are still up.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	g.cancel = cancel
	s.onClose("services", g.stop)
	index := &apiIndex{} // served once complete, after the loop
	for _, def := range s.cfg.Services {
		name := def.Describe().Name
		prefix := "/" + name
		svc, err := runner.Start(runCtx, h, def)
		if err != nil {
			return fmt.Errorf("service %s: %w", name, err)
		}
		g.running = append(g.running, svc)
		s.opsMux.Handle(prefix+"/", http.StripPrefix(prefix, svc.API))
		index.add(name, svc.API)
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			<-svc.Done()
			if runCtx.Err() != nil {
				return // stopping: stop collects the errors
			}
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := svc.Stop(stopCtx); err != nil {
				select {
				case g.failed <- fmt.Errorf("service %s: %w", name, err):
				default:
				}
				return
			}
			s.log.Warn("service returned before shutdown", "service", name)
		}()
		s.log.InfoContext(ctx, "service started", "service", name, "api", "http://"+s.HTTPAddr()+prefix+"/")
	}
	s.opsMux.Handle("GET /openapi.json", index)
	return nil
}

// stop stops every service (each finishes or abandons its batch, its relay and workers
// return) and waits for all of them, or for ctx.
func (g *serviceGroup) stop(ctx context.Context) error {
	g.cancel()
	var errs []error
	for _, svc := range g.running {
		// A failure was reported when it happened (failed); only a stop that timed out is new.
		if err := svc.Stop(ctx); errors.Is(err, context.DeadlineExceeded) {
			errs = append(errs, err)
		}
	}
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		return errors.Join(errs...)
	case <-ctx.Done():
		return errors.New("services did not stop in time")
	}
}
