package devstack

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/novatrek/support/internal/ops/console"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/publish"
)

// startConsole mounts the web console (internal/ops/console) at /console/ on the stack's
// HTTP server, over the lag collector behind /metrics, the stack's registry and database.
// Without Config.ConsoleToken it makes a random operator token for this run (the banner
// shows it), so a re-drive on the dev stack still needs someone at its terminal.
func (s *Stack) startConsole(ctx context.Context) error {
	topo, err := topology.Default()
	if err != nil {
		return err
	}
	if s.cfg.ConsoleToken == "" {
		s.cfg.ConsoleToken = rand.Text()
	}
	// Test events are for the dev stack: its console publishes (for an operator) by default.
	pub, err := publish.New(s.kcl, s.RegistryURL(), publish.Producer("novatrek-console"))
	if err != nil {
		return fmt.Errorf("devstack: console: %w", err)
	}
	con, err := console.New(console.Config{KafkaOpts: s.kafkaOpts(), Registry: s.registry, Lag: s.lagExp, Topology: topo,
		Services: s.cfg.Services, Pool: s.pool, Publisher: pub, Token: s.cfg.ConsoleToken, Prefix: "/console", Logger: s.log})
	if err != nil {
		return fmt.Errorf("devstack: console: %w", err)
	}
	s.opsMux.Handle("/console/", con)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		con.Run(runCtx, lagInterval)
	}()
	s.onClose("console", func(context.Context) error {
		cancel()
		<-done
		return nil
	})
	return nil
}
