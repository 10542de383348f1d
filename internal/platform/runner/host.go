// Package runner hosts service definitions: it checks them against topics.yaml, migrates
// their schemas (sets composed from their declarations), and starts each one — own pool,
// outbound endpoints, outbox emitter and relay, stream processor, idempotency keeper, HTTP
// routes behind the edge, workers — and stops it in order. `novatrek run`, `novatrek dev`
// and servicetest all start services through it, so the three run the same wiring.
package runner

import (
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/topology"
)

// Host is what a process hands the runner: connections shared by every service it runs.
// The runner uses them and never closes them.
type Host struct {
	Config   config.Config
	Logger   *slog.Logger
	Metrics  *prometheus.Registry
	DB       *pgxpool.Pool
	Registry *sr.Client
	Serde    *serde.Serde
	Topology *topology.Topology
	// KafkaOpts seed every Kafka client (brokers); the runner adds the client id.
	KafkaOpts []kgo.Opt
	Valkey    *store.Valkey
	// Getenv is the environment services read (os.Getenv, overlaid with what fakes provide).
	Getenv func(string) string
	// BaseURL returns where a service's API is reachable.
	BaseURL func(service string) string
	// Tune holds test seams; zero in production.
	Tune Tuning
}

// Tuning holds the seams tests use; every zero value means production behaviour.
type Tuning struct {
	// Now is the services' clock; default time.Now.
	Now func() time.Time
	// SkipWorkers names Spec workers not to run; SkipConsumer leaves the stream processor out,
	// SkipRelay the outbox relay (what a request enqueued stays in the outbox to be counted).
	SkipWorkers  []string
	SkipConsumer bool
	SkipRelay    bool
	// MinBackoff and MaxBackoff bound the stream runtime's retries (stream defaults when 0).
	MinBackoff, MaxBackoff time.Duration
	// RelayPoll is the outbox relay's poll and lease-retry interval (outbox defaults when 0).
	RelayPoll time.Duration
}
