package devstack

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"slices"

	"github.com/novatrek/support/internal/ops/console"
	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/service"
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
	analytics, err := s.analyticsAPI()
	if err != nil {
		return fmt.Errorf("devstack: console: %w", err)
	}
	con, err := console.New(console.Config{KafkaOpts: s.kafkaOpts(), Registry: s.registry, Lag: s.lagExp, Topology: topo,
		Services: s.cfg.Services, Pool: s.pool, Publisher: pub, Analytics: analytics, Token: s.cfg.ConsoleToken, Prefix: "/console", Logger: s.log})
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

// analyticsService is the service whose API the console's Analytics page charts.
const analyticsService = "svc-analytics"

// analyticsAPI is svc-analytics' API on the stack's HTTP address for the console, as the
// analysts' caller (its token from NOVATREK_API_TOKENS, else the dev token the service
// accepts in dev mode); nil when the stack does not run svc-analytics.
func (s *Stack) analyticsAPI() (*console.AnalyticsAPI, error) {
	if s.cfg.NoServices || !slices.Contains(service.DefinitionNames(s.cfg.Services), analyticsService) {
		return nil, nil
	}
	getenv := s.cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	token := apiauth.DevToken(console.AnalyticsCaller)
	if raw := getenv(apiauth.EnvTokens); raw != "" {
		tokens, err := apiauth.ParseTokens(raw)
		if err != nil {
			return nil, err
		}
		token = tokens[console.AnalyticsCaller]
	}
	return &console.AnalyticsAPI{URL: "http://" + s.HTTPAddr() + "/" + analyticsService, Token: token}, nil
}
