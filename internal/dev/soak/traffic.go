package soak

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/publish"
)

// simulate plays the neighbouring domains for Duration at Rate: their events on the
// broker, their API calls through the proxy at proxyURL, each to the service that declares
// the route.
func (s *soak) simulate(ctx context.Context, proxyURL string) error {
	cl, err := kgo.NewClient(append(s.kafkaOpts(), kgo.ClientID("novatrek-soak-simulate"))...)
	if err != nil {
		return err
	}
	defer cl.Close()
	pub, err := publish.New(cl, s.registryURL, publish.WithTopology(s.topo))
	if err != nil {
		return err
	}
	routes := simulate.Routes{}
	for _, def := range s.cfg.Services {
		d := def.Describe()
		var sink *simulate.HTTPSink
		for _, r := range d.Routes {
			if !simulate.Calls(r.Pattern) {
				continue
			}
			if sink == nil {
				if sink, err = simulate.NewHTTPSink(proxyURL + "/" + d.Name); err != nil {
					return err
				}
			}
			routes.Add(r.Pattern, sink)
		}
	}
	seed := s.cfg.Seed
	if seed == "" {
		seed = simulate.RandomSeed()
	}
	s.report.Seed = seed
	sink := &patientSink{Sink: simulate.NewPublishSink(cl, pub)}
	// The events are all sent by Duration; past it (by Drain), a send still waiting for
	// the registry gives up. A day is given up to three times Duration.
	calls := &failureCount{CallSink: routes, by: map[string]int{}}
	run := simulate.Config{Rate: s.cfg.Rate, Duration: s.cfg.Duration, Seed: seed, Topology: s.topo,
		Sink: sink, Calls: calls, Concurrency: callConcurrency, Logger: s.cfg.Logger}
	limit := s.cfg.Duration + s.cfg.Drain
	if s.cfg.Days > 0 {
		plan, err := simulate.Plan(seed, s.topo, s.cfg.Days)
		if err != nil {
			return err
		}
		s.report.Planned, s.report.PlannedByTopic = plan.Events, plan.ByTopic
		run.Days, run.Duration = s.cfg.Days, 0
		run.Rate = float64(plan.Events) / s.cfg.Duration.Seconds()
		s.report.Rate = run.Rate
		limit = 3 * s.cfg.Duration
		s.progress("%g spec days: %d events on %d topics and %d API calls, paced at %.0f events/s over %v", s.cfg.Days,
			plan.Events, len(plan.ByTopic), plan.Calls, run.Rate, s.cfg.Duration)
	}
	simCtx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	go s.progressEvery(simCtx, time.Minute, func() string {
		of := ""
		if s.report.Planned > 0 {
			of = fmt.Sprintf(" of %d", s.report.Planned)
		}
		return fmt.Sprintf("simulator: %d%s events sent, %d API calls failed so far", sink.sent.Load(), of, calls.failed())
	})
	st, err := simulate.Run(simCtx, run)
	s.report.CallFailures = calls.by
	s.report.Events, s.report.ByTopic = st.Events, st.ByTopic
	s.report.Calls, s.report.CallErrors, s.report.CallsSkipped = st.Calls+st.CallsExpected, st.CallErrors, st.CallsSkipped
	s.progress("simulator: %d events, %d sends retried while the registry was away", st.Events, sink.retried.Load())
	return err
}

// patientSink retries a send that failed, as a producer in another domain would while the
// schema registry is down, instead of ending the run at the first failure.
type patientSink struct {
	simulate.Sink
	retried, sent atomic.Int64
}

func (p *patientSink) Send(ctx context.Context, ev simulate.Event) error {
	for {
		err := p.Sink.Send(ctx, ev)
		if err == nil {
			p.sent.Add(1)
		}
		if err == nil || ctx.Err() != nil {
			return err
		}
		p.retried.Add(1)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// failureCount counts the simulator's failed calls by the answer they got (the status
// code, or "no answer"), so the report can say what the faults did to the callers: the
// simulator itself logs only the 1st, 10th, 100th, ... failure.
type failureCount struct {
	simulate.CallSink
	mu sync.Mutex
	by map[string]int
}

// failed is the number of failed calls so far.
func (f *failureCount) failed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.by {
		n += c
	}
	return n
}

func (f *failureCount) Call(ctx context.Context, c simulate.Call) error {
	err := f.CallSink.Call(ctx, c)
	if err == nil || errors.Is(err, simulate.ErrExpected) || errors.Is(err, simulate.ErrNoRoute) {
		return err
	}
	answer := "no answer"
	if code, ok := simulate.Status(err); ok {
		answer = strconv.Itoa(code)
	}
	f.mu.Lock()
	f.by[answer]++
	f.mu.Unlock()
	return err
}

// progressEvery prints line() every d until ctx is done: a long soak says how far it is.
func (s *soak) progressEvery(ctx context.Context, d time.Duration, line func() string) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.progress("%s", line())
		}
	}
}
