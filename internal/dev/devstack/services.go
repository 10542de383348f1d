package devstack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/service"
)

// serviceGroup runs the services, each in its own goroutine, under one cancel.
type serviceGroup struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	failed chan error // the first failure; buffered so a failing service never blocks
}

// startServices runs every configured service with deps pointing at the stack. Each
// service's API is served under /<name>/ on the stack's HTTP address.
func (s *Stack) startServices(ctx context.Context) error {
	g := &serviceGroup{failed: make(chan error, 1)}
	s.services = g
	if len(s.cfg.Services) == 0 {
		s.log.InfoContext(ctx, "no services implemented yet; the platform is up without them")
		return nil
	}
	if s.cfg.NoServices {
		s.log.InfoContext(ctx, "services not started (--no-services): their groups have no live members", "services", service.Names(s.cfg.Services))
		return nil
	}
	vk := service.ExistingValkey(s.valkey)
	vk.KeyPrefix = s.state.ValkeyPrefix
	shared := service.Deps{
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
	}
	// Services run under their own context: they stop when Close says so, after which
	// the stores and Kafka they use are still up.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	g.cancel = cancel
	s.onClose("services", g.stop)
	index := &apiIndex{} // served once complete, after the loop
	for _, svc := range s.cfg.Services {
		prefix := "/" + svc.Name()
		mux := http.NewServeMux()
		deps := shared.For(svc, mux)
		api, err := service.APIHandler(svc, deps)
		if err != nil {
			return fmt.Errorf("service %s: %w", svc.Name(), err)
		}
		s.opsMux.Handle(prefix+"/", http.StripPrefix(prefix, api))
		index.add(svc.Name(), mux)
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			err := svc.Run(runCtx, deps)
			if err != nil && !errors.Is(err, context.Canceled) {
				select {
				case g.failed <- fmt.Errorf("service %s: %w", svc.Name(), err):
				default:
				}
				return
			}
			if runCtx.Err() == nil {
				s.log.Warn("service returned before shutdown", "service", svc.Name())
			}
		}()
		s.log.InfoContext(ctx, "service started", "service", svc.Name(), "api", "http://"+s.HTTPAddr()+prefix+"/")
	}
	s.opsMux.Handle("GET /openapi.json", index)
	return nil
}

// stop cancels every service and waits for all of them, or for ctx.
func (g *serviceGroup) stop(ctx context.Context) error {
	g.cancel()
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.New("services did not stop in time")
	}
}
