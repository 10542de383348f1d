package soak

import (
	"context"
	"math/rand/v2"
	"slices"
	"time"
)

// injectFaults injects one fault every FaultEvery, cycling through Faults, until ctx is
// done. Each fault undoes itself (the process or server is started again) before the
// next one, so at most one is in force at a time.
func (s *soak) injectFaults(ctx context.Context) {
	if len(s.cfg.Faults) == 0 {
		return
	}
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.cfg.FaultEvery):
		}
		kind := s.cfg.Faults[i%len(s.cfg.Faults)]
		s.inject(ctx, kind)
	}
}

// inject injects one fault of kind and waits until it is undone. A fault is counted once
// it has been applied.
func (s *soak) inject(ctx context.Context, kind string) {
	// The outage is not cut short by the end of the traffic: a server stopped comes back.
	outage := func() { time.Sleep(s.cfg.Outage) }
	switch kind {
	case FaultKill:
		in := s.nextVictim(false)
		s.progress("fault: SIGKILL %s", in.name)
		s.setDown(in, true)
		in.kill()
		s.count(kind)
		time.Sleep(time.Second)
		s.restart(in)
	case FaultRegistry, FaultColdStart:
		// A cold start also SIGKILLs an instance of a consuming service and starts it again
		// while the registry is down, with no schema cached.
		var in *process
		if kind == FaultColdStart {
			in = s.nextVictim(true)
			s.progress("fault: schema registry down for %v; %s SIGKILLed and started again while it is down", s.cfg.Outage, in.name)
		} else {
			s.progress("fault: schema registry down for %v", s.cfg.Outage)
		}
		s.setDown(s.registry, true)
		s.registry.kill()
		if in != nil {
			s.setDown(in, true)
			in.kill()
		}
		s.count(kind)
		if in != nil {
			time.Sleep(time.Second)
			s.restart(in)
		}
		outage()
		s.restart(s.registry)
	case FaultPostgres:
		s.progress("fault: PostgreSQL stopped for %v", s.cfg.Outage)
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err := s.pg.stop(stopCtx)
		cancel()
		if err != nil {
			s.progress("fault: stop PostgreSQL: %v", err)
		}
		s.count(kind)
		outage()
		if err := s.pg.start(context.WithoutCancel(ctx)); err != nil {
			s.progress("fault: PostgreSQL did not come back: %v", err)
		}
	case FaultValkey:
		s.progress("fault: Valkey stopped for %v", s.cfg.Outage)
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err := s.vk.stop(stopCtx)
		cancel()
		if err != nil {
			s.progress("fault: stop Valkey: %v", err)
		}
		s.count(kind)
		outage()
		if err := s.vk.start(context.WithoutCancel(ctx)); err != nil {
			s.progress("fault: Valkey did not come back: %v", err)
		}
	case FaultFakes:
		s.progress("fault: every third-party fake answers 503 for %v", s.cfg.Outage)
		s.setProvidersDown(true)
		s.count(kind)
		outage()
		s.setProvidersDown(false)
	case FaultChurn:
		name := s.cfg.Services[rand.IntN(len(s.cfg.Services))].Describe().Name
		in, err := s.addInstance(name)
		if err != nil {
			s.progress("fault: churn %s: %v", name, err)
			return
		}
		s.progress("fault: churn: %s joins the group of %s, then leaves", in.name, name)
		s.count(kind)
		_ = in.waitReady(context.WithoutCancel(ctx), time.Minute)
		time.Sleep(s.cfg.FaultEvery / 2)
		s.setDown(in, true)
		in.stop(20 * time.Second)
		s.mu.Lock()
		s.instances[name] = slices.DeleteFunc(s.instances[name], func(p *process) bool { return p == in })
		delete(s.down, in)
		s.mu.Unlock()
	}
}

func (s *soak) count(kind string) {
	s.mu.Lock()
	s.report.Faults[kind]++
	s.mu.Unlock()
}

func (s *soak) setDown(p *process, down bool) {
	s.mu.Lock()
	s.down[p] = down
	s.mu.Unlock()
}

// restart starts p again and lets the supervisor watch it.
func (s *soak) restart(p *process) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.down, p)
	if !p.running() {
		if err := p.start(); err != nil {
			s.progress("restart %s: %v", p.name, err)
		}
	}
}

// nextVictim picks the instance the next kill hits: the services in turn, so a soak of a
// dozen kills hits every one, and a random instance of that service. consuming passes over
// services that consume no topic (when some do): a cold start's victim must decode records,
// with schema ids it has to look up.
func (s *soak) nextVictim(consuming bool) *process {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.cfg.Services[s.kills%len(s.cfg.Services)].Describe()
	for range s.cfg.Services {
		if !consuming || len(d.Consumes) > 0 {
			break
		}
		s.kills++
		d = s.cfg.Services[s.kills%len(s.cfg.Services)].Describe()
	}
	s.kills++
	ins := s.instances[d.Name]
	return ins[rand.IntN(len(ins))]
}
