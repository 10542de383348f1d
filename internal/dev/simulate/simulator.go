package simulate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/telemetry"
	"github.com/novatrek/support/internal/platform/topology"
)

// Sink receives the simulated events in order (Kafka in practice: KafkaSink).
type Sink interface {
	// Send hands one event over; it may return before the event is durable, and returns the
	// first error of an earlier event it has learned of since.
	Send(ctx context.Context, ev Event) error
	// Flush waits until every event sent so far is durable, or returns why not.
	Flush(ctx context.Context) error
}

// Config configures a Simulator.
type Config struct {
	// Rate is events per second (> 0). Follow-up events count like any other.
	Rate float64
	// Duration stops the run after Rate×Duration events (rounded up); 0 runs until the
	// context is done.
	Duration time.Duration
	// Seed makes the run repeatable: the same seed, the same events (ids, keys, contents)
	// in the same order. Empty: a fresh random seed, logged so a run can be repeated.
	Seed string
	// Topology defaults to topology.Default().
	Topology *topology.Topology
	// Sink receives the events (required).
	Sink Sink
	// Calls, when set, makes the domains' synchronous API calls around the events (contacts,
	// push devices: see Call). A failed call is logged and counted (Stats.CallErrors), never
	// fatal; one whose route nobody serves (ErrNoRoute, see Routes) is counted as skipped.
	// Nil, the default: no calls are made.
	Calls CallSink
	// Concurrency > 1 makes up to that many calls at once, keeping the order the workflows
	// need (see callPool); 0 or 1, the default: one by one, in the generator's order.
	Concurrency int
	// Days > 0 sends exactly that many spec days of traffic (see DayActions, Plan) instead
	// of Rate×Duration events; Rate still paces them (a caller compressing a day into a
	// time divides Plan's events by it).
	Days float64
	// Logger defaults to discarding.
	Logger *slog.Logger
	// Metrics, when set, gets novatrek_simulator_events_total{topic} and
	// novatrek_simulator_errors_total.
	Metrics prometheus.Registerer
	// Now is the clock of occurred-at and of the pacing; default time.Now.
	Now func() time.Time
}

// Stats says what a run sent.
type Stats struct {
	Seed    string
	Events  int
	ByTopic map[string]int
	// Calls and CallErrors count the API calls made that succeeded and failed; CallsSkipped
	// those not made because no service serves their route.
	Calls, CallErrors, CallsSkipped int
	// CallsExpected counts the calls refused as they meant to be (Call.Expect).
	CallsExpected int
}

// Run generates events at cfg.Rate and sends them to cfg.Sink until Duration is used up
// or ctx is done (a clean stop: the error is nil), then flushes the sink.
func Run(ctx context.Context, cfg Config) (Stats, error) {
	if cfg.Rate <= 0 || math.IsInf(cfg.Rate, 0) || math.IsNaN(cfg.Rate) {
		return Stats{}, fmt.Errorf("simulate: rate %v: must be a positive number of events per second", cfg.Rate)
	}
	if cfg.Days < 0 || math.IsInf(cfg.Days, 0) || math.IsNaN(cfg.Days) {
		return Stats{}, fmt.Errorf("simulate: %v days: must be a positive number", cfg.Days)
	}
	if cfg.Duration < 0 {
		return Stats{}, fmt.Errorf("simulate: duration %v is negative", cfg.Duration)
	}
	if cfg.Sink == nil {
		return Stats{}, errors.New("simulate: no sink")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Topology == nil {
		t, err := topology.Default()
		if err != nil {
			return Stats{}, err
		}
		cfg.Topology = t
	}
	if cfg.Seed == "" {
		cfg.Seed = RandomSeed()
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return Stats{}, err
	}
	g, err := NewGenerator(cfg.Seed, cfg.Topology)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Seed: cfg.Seed, ByTopic: map[string]int{}}
	limit := -1
	if cfg.Duration > 0 {
		limit = int(math.Ceil(cfg.Rate * cfg.Duration.Seconds()))
	}
	done := func() bool { return limit >= 0 && st.Events >= limit }
	if cfg.Days > 0 {
		actions := DaysActions(cfg.Days)
		done = func() bool { return dayDone(g, actions) }
	}
	cfg.Logger.InfoContext(ctx, "simulating traffic", "rate", cfg.Rate, "duration", cfg.Duration, "days", cfg.Days, "seed", cfg.Seed)
	calls := newCaller(cfg, m, &st)
	// The domains' one-off setup (the departure locations) comes before any event names it.
	calls.setup(ctx, g.Setup())
	p := newPacer(cfg.Rate, cfg.Now)
	var sendErr error
	for !done() {
		if err := p.wait(ctx); err != nil {
			break // stopped
		}
		ev, err := g.Next(cfg.Now())
		if err != nil {
			sendErr = err
			break
		}
		calls.before(ctx, ev.Before)
		if err := cfg.Sink.Send(ctx, ev); err != nil {
			if ctx.Err() != nil {
				break
			}
			m.errors.Inc()
			sendErr = fmt.Errorf("simulate: send to %s: %w", ev.Topic, err)
			break
		}
		st.Events++
		st.ByTopic[ev.Topic]++
		m.events.WithLabelValues(ev.Topic).Inc()
		calls.after(ctx, ev.After)
	}
	calls.wait()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := cfg.Sink.Flush(fctx); err != nil && sendErr == nil {
		m.errors.Inc()
		sendErr = fmt.Errorf("simulate: flush: %w", err)
	}
	// calls counts every call made, failed ones included, as the command's summary does.
	cfg.Logger.InfoContext(ctx, "simulation stopped", "events", st.Events, "calls", st.Calls+st.CallErrors+st.CallsExpected,
		"calls_failed", st.CallErrors, "calls_expected_refusals", st.CallsExpected, "calls_skipped", st.CallsSkipped, "seed", cfg.Seed, "err", sendErr)
	return st, sendErr
}

// caller makes the calls around the events through cfg.Calls, when set: one by one, or
// through a callPool (Config.Concurrency). A failure is counted and logged (the 1st, 10th,
// 100th, ...: a target that is down would otherwise flood the log), and the run goes on:
// the calls only make the neighbours' workflows happen.
type caller struct {
	cfg  Config
	m    *metrics
	mu   sync.Mutex // guards st's call counts when calls run concurrently
	st   *Stats
	pool *callPool
}

func newCaller(cfg Config, m *metrics, st *Stats) *caller {
	c := &caller{cfg: cfg, m: m, st: st}
	if cfg.Calls != nil && cfg.Concurrency > 1 {
		c.pool = newCallPool(cfg.Concurrency, func(ctx context.Context, call Call) { _ = c.one(ctx, call) })
	}
	return c
}

// setupWaitMax caps the wait between two attempts of a setup call.
const setupWaitMax = 5 * time.Second

// setup makes the setup's calls in order, each until it succeeds: every later event
// builds on them (a check-in at a location the setup did not create is dead-lettered as
// an unknown location), so one that met no answer or a 5xx or 429 (a slow or restarting
// service: the sink's own retries gave up) is made again, with backoff, until ctx ends.
// A refusal (4xx), a provoked one or a route no service serves is not retried.
func (c *caller) setup(ctx context.Context, calls []Call) {
	for _, call := range calls {
		for attempt := 0; ; attempt++ {
			err := c.one(ctx, call)
			code, answered := Status(err)
			if err == nil || errors.Is(err, ErrExpected) || errors.Is(err, ErrNoRoute) ||
				(answered && code < 500 && code != http.StatusTooManyRequests) {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(min(setupWaitMax, 250*time.Millisecond<<min(attempt, 5))):
			}
		}
	}
}

// now makes calls in order and returns when they are done.
func (c *caller) now(ctx context.Context, calls []Call) {
	for _, call := range calls {
		if c.cfg.Calls == nil || ctx.Err() != nil {
			return
		}
		_ = c.one(ctx, call) // counted and logged by one
	}
}

// before makes the calls of an event's Before; it returns once those the event needs
// made first are done (all of them, without a pool).
func (c *caller) before(ctx context.Context, calls []Call) {
	if c.pool == nil {
		c.now(ctx, calls)
		return
	}
	var first []<-chan struct{}
	for _, call := range calls {
		done := c.pool.dispatch(ctx, call)
		if mustPrecede(call) {
			first = append(first, done)
		}
	}
	for _, d := range first {
		<-d // closed when made, or given up as ctx ends
	}
}

// after makes the calls of an event's After (dispatched, with a pool).
func (c *caller) after(ctx context.Context, calls []Call) {
	if c.pool == nil {
		c.now(ctx, calls)
		return
	}
	for _, call := range calls {
		c.pool.dispatch(ctx, call)
	}
}

// wait returns when every call dispatched is done.
func (c *caller) wait() {
	if c.pool != nil {
		c.pool.wait()
	}
}

// one makes call, counts its result and returns its error.
func (c *caller) one(ctx context.Context, call Call) error {
	if c.cfg.Calls == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	err := c.cfg.Calls.Call(ctx, call)
	if err != nil && ctx.Err() != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st, m := c.st, c.m
	switch {
	case err == nil:
		st.Calls++
		m.calls.WithLabelValues(call.Caller, "ok").Inc()
	case errors.Is(err, ErrExpected):
		st.CallsExpected++ // a refusal provoked on purpose: the service said no, as it should
		m.calls.WithLabelValues(call.Caller, "expected").Inc()
	case errors.Is(err, ErrNoRoute):
		st.CallsSkipped++ // said once at start by whoever built the Routes
		m.calls.WithLabelValues(call.Caller, "skipped").Inc()
	default:
		st.CallErrors++
		m.calls.WithLabelValues(call.Caller, "error").Inc()
		if n := st.CallErrors; n == 1 || isPowerOf10(n) {
			c.cfg.Logger.WarnContext(ctx, "simulated API call failed", "call", call.Method+" "+call.Path, "caller", call.Caller,
				"err", err, "failed_calls", n)
		}
	}
	return err
}

func isPowerOf10(n int) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}

type metrics struct {
	events *prometheus.CounterVec
	errors prometheus.Counter
	calls  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "novatrek_simulator_events_total",
			Help: "Events the traffic simulator sent, by topic.",
		}, []string{"topic"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "novatrek_simulator_errors_total",
			Help: "Simulated events the sink refused (the run stops at the first).",
		}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "novatrek_simulator_api_calls_total",
			Help: "Synchronous API calls the traffic simulator made for the other domains, by caller and result (ok, error, expected: a refusal provoked on purpose, skipped: no service serves the route).",
		}, []string{"caller", "result"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.events, err = telemetry.Register(reg, m.events); err != nil {
		return nil, fmt.Errorf("simulate: metrics: %w", err)
	}
	if m.errors, err = telemetry.Register(reg, m.errors); err != nil {
		return nil, fmt.Errorf("simulate: metrics: %w", err)
	}
	if m.calls, err = telemetry.Register(reg, m.calls); err != nil {
		return nil, fmt.Errorf("simulate: metrics: %w", err)
	}
	return m, nil
}
