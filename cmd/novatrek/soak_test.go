package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/soak"
	"github.com/novatrek/support/internal/testkit/logtest"
)

// TestSoakLosesNothingThroughKillsAndAPostgresOutage is the short soak CI runs: every
// service as its own process (this test binary as the CLI) on a private PostgreSQL and
// Valkey, simulated traffic for 20 s, a SIGKILL of a service instance and a 4 s stop of
// PostgreSQL; then every record on the services' topics was applied or dead-lettered with
// its reason, no event id was published twice, no outbox row waits, and the services' own
// checks hold.
func TestSoakLosesNothingThroughKillsAndAPostgresOutage(t *testing.T) {
	t.Parallel()
	var progress logtest.Buffer
	rep, err := soak.Run(context.Background(), soak.Config{
		Binary: os.Args[0], Env: []string{asCLIEnv + "=1"},
		Services: services(), Checks: soakChecks(), Backlogs: soakBacklogs(),
		Duration: 20 * time.Second, Instances: 1, Rate: 40, Seed: "ci-soak",
		Faults: []string{soak.FaultKill, soak.FaultPostgres}, FaultEvery: 6 * time.Second, Outage: 4 * time.Second,
		Drain: 60 * time.Second, Progress: &progress,
	})
	var report strings.Builder
	if rep != nil {
		rep.Print(&report)
	}
	t.Log("\n" + progress.String() + report.String())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Faults[soak.FaultKill] == 0 || rep.Faults[soak.FaultPostgres] == 0 {
		t.Errorf("faults injected %v: want a kill and a PostgreSQL outage", rep.Faults)
	}
	if rep.Events == 0 || len(rep.Groups) != len(services())-countWithoutInputs() || len(rep.Checks) != len(soakChecks()) {
		t.Errorf("checked %d events, %d groups, %d service checks: the soak looked at too little", rep.Events, len(rep.Groups), len(rep.Checks))
	}
	var applied int64
	for _, g := range rep.Groups {
		applied += g.Applied
	}
	if applied == 0 {
		t.Error("no service applied a record")
	}
	if rep.Lost != 0 || rep.Duplicated != 0 || !rep.OK() {
		t.Errorf("lost %d, duplicated %d, violations %v", rep.Lost, rep.Duplicated, rep.Violations)
	}
}

// countWithoutInputs counts the services that consume no topic (the soak has no group of
// theirs to account for).
func countWithoutInputs() int {
	n := 0
	for _, def := range services() {
		if len(def.Describe().Consumes) == 0 {
			n++
		}
	}
	return n
}
