package soak

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/novatrek/support/internal/platform/service"
)

// Fault kinds, in the order the injector cycles through them.
const (
	FaultKill     = "kill"     // SIGKILL a service instance, start it again
	FaultPostgres = "postgres" // stop the private PostgreSQL (fast shutdown) for Outage, start it again
	FaultValkey   = "valkey"   // stop the private Valkey for Outage, start it again
	FaultRegistry = "registry" // SIGKILL the schema registry for Outage, start it again
	FaultChurn    = "churn"    // start one more instance of a service, stop it again: two rebalances
	FaultFakes    = "fakes"    // every third-party fake (PSP, fraud, providers, weather) answers 503 for Outage
	// FaultColdStart is a registry outage during which an instance of a consuming service
	// is SIGKILLed and started again: it starts with no schema cached and must wait for the
	// registry to decode and encode (a plain registry outage reaches only processes that
	// have cached every schema id they need).
	FaultColdStart = "cold-start"
)

// FaultKinds are every kind, in the injector's order.
var FaultKinds = []string{FaultKill, FaultPostgres, FaultKill, FaultValkey, FaultKill, FaultRegistry, FaultColdStart, FaultChurn, FaultFakes}

// Config configures a soak.
type Config struct {
	// Binary is the novatrek executable the children run; Env is added to their
	// environment (a test runs its own binary as the CLI that way).
	Binary string
	Env    []string
	// Services are the definitions to run (the CLI's list); Checks their own invariants.
	Services []service.Definition
	Checks   []Check
	// Backlogs are the services' work held in their stores that the drain waits for.
	Backlogs []Backlog
	// Duration is how long the simulator sends traffic and faults are injected.
	Duration time.Duration
	// Instances is how many processes of each service run (default 2).
	Instances int
	// Rate is the simulator's events/s (default 60: see DefaultRate); Seed its seed
	// (default random).
	Rate float64
	Seed string
	// Days > 0 sends exactly that many spec days of traffic (20: the "20x day", see
	// simulate.DayActions) instead of Rate for Duration: paced to spread them over Duration
	// (the rate is the day's events / Duration), as fast as the system takes them when it
	// cannot keep that pace, and given up at three times Duration (the report says how much
	// was sent).
	Days float64
	// Faults are the kinds to inject, cycled (default FaultKinds; empty slice: none); one
	// every FaultEvery (default 20s). Outage is how long PostgreSQL, Valkey or the registry
	// stay down (default 15s; the issue asks 10–30 s).
	Faults     []string
	FaultEvery time.Duration
	Outage     time.Duration
	// Drain bounds the wait for the services to catch up once traffic stops (default 3m).
	Drain time.Duration
	// OutboxMaxAge is the age past which a waiting outbox row is a violation (default 30s).
	OutboxMaxAge time.Duration
	// Dir is the working directory (default a new temporary one, removed after a soak
	// whose invariants held and kept, with every child's log, otherwise).
	Dir string
	// Progress receives a line per step and fault; nil: none.
	Progress io.Writer
	// Logger receives the soak's own diagnostics (the simulator's failed calls, ...);
	// default a soak.log beside the children's logs.
	Logger *slog.Logger
}

// DefaultRate is the simulator's default: the spec's busiest flow is svc-analytics'
// ~50,000 events/day; 20 times that, 1,000,000 events a day, is 11.6 events/s, and the soak
// sends 60/s, about 5 times more again. A whole 20x day is Days: 20 (simulate.Plan: about
// 163,000 simulator events and 104,000 API calls, which the services fan out to about a
// million analytics records); compressed into ten minutes it would be 270 events/s, beyond
// the shared 2-core machine with twenty processes, which takes 45–70/s.
const DefaultRate = 60

// callConcurrency is how many of the simulator's API calls are in flight at once: enough to
// keep the proxy and the instances busy while one call waits on a PostgreSQL commit, few
// enough that a fault's backlog does not pile up thousands of requests (simulate.callPool
// keeps the order the workflows need).
const callConcurrency = 16

// NoFaults is the Faults value of a soak without faults.
var NoFaults = []string{}

func (c *Config) setDefaults() error {
	if c.Binary == "" {
		return errors.New("soak: no novatrek binary to run the children with")
	}
	if len(c.Services) == 0 {
		return errors.New("soak: no services")
	}
	if c.Duration <= 0 {
		return fmt.Errorf("soak: duration %v: must be positive", c.Duration)
	}
	if c.Instances == 0 {
		c.Instances = 2
	}
	if c.Instances < 1 {
		return fmt.Errorf("soak: %d instances: want 1 or more", c.Instances)
	}
	if c.Days < 0 {
		return fmt.Errorf("soak: %v days: must be positive", c.Days)
	}
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	if c.Faults == nil {
		c.Faults = FaultKinds
	}
	for _, f := range c.Faults {
		if !slices.Contains(FaultKinds, f) {
			return fmt.Errorf("soak: fault %q: want one of %v", f, FaultKinds)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.FaultEvery, 20*time.Second)
	def(&c.Outage, 15*time.Second)
	def(&c.Drain, 3*time.Minute)
	def(&c.OutboxMaxAge, 30*time.Second)
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return nil
}
