package soak

import (
	"context"
	"errors"
	"regexp"
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
	pub, err := publish.New(cl, s.registryURL(), publish.WithTopology(s.topo))
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
	// the registry gives up.
	simCtx, cancel := context.WithTimeout(ctx, s.cfg.Duration+s.cfg.Drain)
	defer cancel()
	calls := &failureCount{CallSink: routes, by: map[string]int{}}
	st, err := simulate.Run(simCtx, simulate.Config{Rate: s.cfg.Rate, Duration: s.cfg.Duration, Seed: seed,
		Topology: s.topo, Sink: sink, Calls: calls, Logger: s.cfg.Logger})
	s.report.CallFailures = calls.by
	s.report.Events, s.report.ByTopic = st.Events, st.ByTopic
	s.report.Calls, s.report.CallErrors = st.Calls+st.CallsExpected, st.CallErrors
	s.progress("simulator: %d events, %d sends retried while the registry was away", st.Events, sink.retried.Load())
	return err
}

// patientSink retries a send that failed, as a producer in another domain would while the
// schema registry is down, instead of ending the run at the first failure.
type patientSink struct {
	simulate.Sink
	retried atomic.Int64
}

func (p *patientSink) Send(ctx context.Context, ev simulate.Event) error {
	for {
		err := p.Sink.Send(ctx, ev)
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

// status is the first HTTP status in a failed call's error ("POST /v1/x as c: 503 ...").
var status = regexp.MustCompile(`: ([1-5][0-9]{2}) `)

func (f *failureCount) Call(ctx context.Context, c simulate.Call) error {
	err := f.CallSink.Call(ctx, c)
	if err == nil || errors.Is(err, simulate.ErrExpected) || errors.Is(err, simulate.ErrNoRoute) {
		return err
	}
	answer := "no answer"
	if m := status.FindStringSubmatch(err.Error()); m != nil {
		answer = m[1]
	}
	f.mu.Lock()
	f.by[answer]++
	f.mu.Unlock()
	return err
}
