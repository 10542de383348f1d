package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/dev/soak"
)

func newSoakCmd() *cobra.Command {
	cfg := soak.Config{}
	var faults []string
	var noFaults bool
	cmd := &cobra.Command{
		Use:   "soak",
		Short: "Run every service under load and faults on private stores, then check nothing was lost or duplicated",
		Long: `soak starts, in a temporary directory, its own PostgreSQL cluster (initdb, a free
port) and Valkey server, the schema registry and the dev stack's broker as child
processes, and --instances processes of every service (novatrek run). The machine's
shared PostgreSQL and Valkey are never touched.

For --duration the simulator plays the neighbouring domains at --rate (events on their
topics, API calls through a proxy spreading them over the live instances; with --day N,
exactly N times one spec day's events per topic instead, spread over --duration, and the
report prints the compression achieved) while a fault
injector, every --fault-every, SIGKILLs a service instance and starts it again, stops
PostgreSQL, Valkey or the registry for --outage (once also SIGKILLing and starting a
service instance while the registry is down: a cold start with no schema cached), or
starts an extra instance of a service and stops it again (two rebalances). A process that dies by itself is restarted and
counted.

Then, once the services caught up (at most --drain), the invariants are checked against
the stores and the topics: every record on a service's topics was applied (its event id
in the service's inbox) or dead-lettered with its reason, none lost; every event id our
services published appears once; no outbox row is left waiting longer than
--outbox-max-age; and the services' own checks (payments' ledger balances, loyalty's
balances equal their ledgers, reviews' trip and guide aggregates equal their
recomputation, analytics' facts all come from applied events). The report counts events, faults by kind, effects
checked, lost and duplicated; the exit status is 1 when an invariant does not hold, and
the directory with every process's log is then kept.`,
		Example: `  # three minutes, two instances of each service, every fault
  novatrek soak --duration 3m

  # what make soak SOAK_MINUTES=30 runs
  novatrek soak --duration 30m

  # a whole 20x day (20 times the spec's daily volume per topic) paced over 30 minutes,
  # as fast as the machine takes it when it cannot keep that pace (make soak-day)
  novatrek soak --day 20 --duration 30m --drain 60m

  # one instance each, no faults: the baseline
  novatrek soak --duration 2m --instances 1 --no-faults`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bin, err := os.Executable()
			if err != nil {
				return err
			}
			cfg.Binary, cfg.Services, cfg.Checks, cfg.Backlogs = bin, services(), soakChecks(), soakBacklogs()
			if cmd.Flags().Changed("faults") {
				cfg.Faults = faults
			}
			if noFaults {
				cfg.Faults = soak.NoFaults
			}
			cfg.Progress = cmd.ErrOrStderr()
			return runSoak(cmd, cfg)
		},
	}
	f := cmd.Flags()
	f.DurationVar(&cfg.Duration, "duration", 3*time.Minute, "how long traffic runs and faults are injected")
	f.IntVar(&cfg.Instances, "instances", 2, "processes of each service, in one consumer group")
	f.Float64Var(&cfg.Rate, "rate", soak.DefaultRate, "simulated events per second")
	f.Float64Var(&cfg.Days, "day", 0, "send exactly this many times the spec's daily volume (20: a 20x day), paced over --duration, instead of --rate")
	f.StringVar(&cfg.Seed, "seed", "", "the simulator's seed (default random, printed)")
	f.StringSliceVar(&faults, "faults", soak.FaultKinds, "the faults to cycle through")
	f.BoolVar(&noFaults, "no-faults", false, "inject no fault")
	f.DurationVar(&cfg.FaultEvery, "fault-every", 20*time.Second, "time between two faults")
	f.DurationVar(&cfg.Outage, "outage", 15*time.Second, "how long PostgreSQL, Valkey or the registry stay down")
	f.DurationVar(&cfg.Drain, "drain", 3*time.Minute, "how long to wait for the services to catch up after the traffic")
	f.DurationVar(&cfg.OutboxMaxAge, "outbox-max-age", 30*time.Second, "an outbox row waiting longer at the end is a violation")
	f.StringVar(&cfg.Dir, "dir", "", "working directory (default a temporary one, removed when every invariant holds)")
	return cmd
}

// runSoak runs the soak, prints its report to stdout and fails when an invariant does not
// hold.
func runSoak(cmd *cobra.Command, cfg soak.Config) error {
	rep, err := soak.Run(cmd.Context(), cfg)
	if rep != nil {
		rep.Print(cmd.OutOrStdout())
	}
	if err != nil {
		return err
	}
	if !rep.OK() {
		return fmt.Errorf("soak: %d invariants violated", len(rep.Violations))
	}
	return nil
}
