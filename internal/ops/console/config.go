package console

import (
	"errors"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/publish"
)

// Config says what the console reads and who may write.
type Config struct {
	// KafkaOpts connect to the cluster (at least kgo.SeedBrokers). Required.
	KafkaOpts []kgo.Opt
	// Registry decodes values and serves the schema pages. Required.
	Registry *sr.Client
	// Lag is the collector whose observations the overview and groups pages show: the dev
	// stack passes the one behind its /metrics. Required; the caller runs it.
	Lag *lag.Exporter
	// Topology is topics.yaml: producers, consumers and retention of each topic. Required.
	Topology *topology.Topology
	// Services are the services this binary runs: a reset preview of one of their groups
	// shows the offsets it stores in PostgreSQL (with Pool).
	Services []service.Definition
	// Pool, when set, holds the redrives table (internal/ops/deadletter) and the services'
	// outboxes: without it re-drives and the outbox backlog are unavailable, and the pages
	// say so.
	Pool *pgxpool.Pool
	// Publisher, when set, lets an operator publish a test event from a form generated
	// from the topic's schema. The dev stack sets it; `novatrek console` only with
	// --allow-publish, since test events on a real cluster are real events.
	Publisher *publish.Publisher
	// Analytics, when set, is svc-analytics' API, which the Analytics page charts; without
	// it the page says it is not configured.
	Analytics *AnalyticsAPI
	// Token is the operator token; empty makes the console read-only.
	Token string
	// Prefix is the path the console is mounted under, e.g. "/console"; "" for the root.
	Prefix string
	// Logger; default slog.Default().
	Logger *slog.Logger
}

func (c *Config) check() error {
	switch {
	case len(c.KafkaOpts) == 0:
		return errors.New("console: Config.KafkaOpts is required")
	case c.Registry == nil:
		return errors.New("console: Config.Registry is required")
	case c.Lag == nil:
		return errors.New("console: Config.Lag is required")
	case c.Topology == nil:
		return errors.New("console: Config.Topology is required")
	case c.Analytics != nil && c.Analytics.URL == "":
		return errors.New("console: Config.Analytics.URL is required when Analytics is set")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}
