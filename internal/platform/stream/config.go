package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// Decoder turns Confluent wire-format bytes into a value of the reader schema. *serde.Serde
// implements it; its sentinel errors (serde.ErrMalformed, ErrUnknownSchema, ErrIncompatible)
// mark poison, any other error is transient (e.g. the registry is unreachable).
type Decoder interface {
	Decode(ctx context.Context, data []byte, reader avro.Schema, v any) error
}

// Config configures a Processor. Zero values take the documented defaults.
type Config struct {
	// Group is the consumer group id, which is the service name (e.g. "svc-payments").
	// Required. Inbox and offset rows are keyed by it.
	Group string
	// Brokers are the Kafka seed brokers. Required unless ClientOpts seeds them.
	Brokers []string
	// ClientOpts are extra franz-go options (TLS, SASL, client id, balancers, fetch sizes);
	// they are applied after the runtime's own, so they can override them. A new group
	// starts at the beginning of each partition (kgo.ConsumeResetOffset(AtStart())): a
	// service sees every retained event; override it to start at the end.
	ClientOpts []kgo.Opt
	// Pool is the service's PostgreSQL pool. Required. Every batch runs in one of its
	// transactions.
	Pool *pgxpool.Pool
	// Schema is the service's PostgreSQL schema holding the runtime tables created by
	// Migrations (inbox, consumer_offsets). Required.
	Schema string
	// Routes say which topics to consume and how to handle them: one route per topic.
	// Required.
	Routes []Route
	// Serde decodes record values. Required.
	Serde Decoder
	// DeadLetterTopic receives poison records; default topology.DeadLetterTopic(Group),
	// i.e. novatrek.support.dlq.<group>.
	DeadLetterTopic string

	// MaxBatchRecords bounds how many records of one partition share a transaction; default
	// 500. 1 gives one transaction per event (what a naive processor does).
	MaxBatchRecords int
	// Linger is how long a partition waits for a batch to fill before handling what it has;
	// default 0: handle what is there at once. Batches still grow to MaxBatchRecords on
	// their own whenever records arrive faster than they are handled (a replay), so a
	// linger only trades latency for fewer transactions on a trickle.
	Linger time.Duration
	// MinBackoff and MaxBackoff bound the capped exponential backoff (with full jitter)
	// between retries of a failed batch; defaults 100ms and 30s.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// MaxAttempts is how many times a batch failing with an unclassified handler error (not
	// marked Permanent or Transient, not a known SQLSTATE or network error) is tried before
	// the error counts as permanent and the batch is bisected to dead-letter the culprit;
	// default 5. Transient errors are retried forever and do not use it.
	MaxAttempts int
	// StopTimeout is how long a revoked partition may take to finish its in-flight batch
	// before it is abandoned (its transaction rolls back, or, if its COMMIT was already
	// sent, is settled: see Processor.Run); default 10s. Lost partitions are abandoned at
	// once.
	StopTimeout time.Duration
	// InboxRetention is how long inbox rows are kept; default 7 days. A duplicate arriving
	// later than that (an outbox relay retry arrives within seconds) would be applied
	// again. Negative keeps rows forever.
	InboxRetention time.Duration
	// PruneInterval is how often rows older than InboxRetention are deleted; default 1h.
	PruneInterval time.Duration

	// Outbox, when set, is the outbox relay of this service's store running in this process
	// (an *outbox.Relay over a pgoutbox store). While it leads, each batch's transaction
	// begins with pgoutbox.QuietBegin, so its outbox inserts send no NOTIFY, and the runtime
	// wakes the relay itself once the transaction commits: notifying commits are serialised
	// by PostgreSQL (a cluster-wide lock held through the WAL flush), and at a steady
	// 1,000 events/s that halved the commits a loaded machine could take. Nil: every
	// transaction notifies, as any other writer's does.
	Outbox OutboxWake

	// Intercept, when set, is called before each event's handler with the handler's context
	// (for a per-event route it carries the event's lineage, see package event; a batch
	// route's is the batch's) inside the runtime's panic guard:
	// an error or a panic fails the event exactly as the handler's own would. Nil by default.
	// It is the seam for tracing and for tests that make chosen events fail (the conformance
	// suite's Panic case).
	Intercept Intercept

	// Logger receives the runtime's logs; default slog.Default().
	Logger *slog.Logger
	// Metrics is where the runtime registers its collectors and franz-go's kprom client
	// metrics, with a constant label group=<Group>; default a private registry (metrics
	// not exported).
	Metrics prometheus.Registerer
}

// Defaults.
const (
	DefaultMaxBatchRecords = 500
	DefaultMinBackoff      = 100 * time.Millisecond
	DefaultMaxBackoff      = 30 * time.Second
	DefaultMaxAttempts     = 5
	DefaultStopTimeout     = 10 * time.Second
	DefaultInboxRetention  = 7 * 24 * time.Hour
	DefaultPruneInterval   = time.Hour
)

func (c *Config) setDefaults() {
	if c.DeadLetterTopic == "" && c.Group != "" {
		c.DeadLetterTopic = topology.DeadLetterTopic(c.Group)
	}
	if c.MaxBatchRecords == 0 {
		c.MaxBatchRecords = DefaultMaxBatchRecords
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.StopTimeout == 0 {
		c.StopTimeout = DefaultStopTimeout
	}
	if c.InboxRetention == 0 {
		c.InboxRetention = DefaultInboxRetention
	}
	if c.PruneInterval == 0 {
		c.PruneInterval = DefaultPruneInterval
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = prometheus.NewRegistry()
	}
}

// OutboxWake is Config.Outbox; *outbox.Relay implements it.
type OutboxWake interface {
	Leading() bool
	Wake()
}

// Intercept is Config.Intercept: called with each event's topic and metadata before its handler.
type Intercept func(ctx context.Context, topic string, meta schemas.EventMetadata) error

// maxAttempts is the unclassified-failure budget of topic: its route's WithMaxAttempts, or
// MaxAttempts.
func (c *Config) maxAttempts(topic string) int {
	for _, r := range c.Routes {
		if r.topic == topic && r.maxAttempts > 0 {
			return r.maxAttempts
		}
	}
	return c.MaxAttempts
}

func (c *Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Group == "" {
		bad("Group is required")
	}
	if len(c.Brokers) == 0 && len(c.ClientOpts) == 0 {
		bad("Brokers is required")
	}
	if c.Pool == nil {
		bad("Pool is required")
	}
	if c.Schema == "" {
		bad("Schema is required")
	}
	if c.Serde == nil {
		bad("Serde is required")
	}
	if len(c.Routes) == 0 {
		bad("at least one Route is required")
	}
	seen := map[string]bool{}
	for i, r := range c.Routes {
		switch {
		case r.impl == nil:
			bad("route %d was not built with Handle, HandleBatch or CopyBatch", i)
		case r.copy != nil && r.copy.problem != "":
			bad("route for %q: %s", r.topic, r.copy.problem)
		case seen[r.topic]:
			bad("topic %q has more than one route", r.topic)
		case r.topic == c.DeadLetterTopic:
			bad("topic %q is the group's own dead-letter topic", r.topic)
		case r.maxAttempts < 0:
			bad("route for %q: WithMaxAttempts must be at least 1, got %d", r.topic, r.maxAttempts)
		}
		seen[r.topic] = true
	}
	if c.MaxBatchRecords < 1 {
		bad("MaxBatchRecords must be at least 1, got %d", c.MaxBatchRecords)
	}
	if c.Linger < 0 {
		bad("Linger must not be negative")
	}
	if c.MinBackoff < 0 || c.MaxBackoff < c.MinBackoff {
		bad("backoff bounds must satisfy 0 <= MinBackoff <= MaxBackoff, got %s and %s", c.MinBackoff, c.MaxBackoff)
	}
	if c.MaxAttempts < 1 {
		bad("MaxAttempts must be at least 1, got %d", c.MaxAttempts)
	}
	if c.StopTimeout < 0 {
		bad("StopTimeout must not be negative")
	}
	if c.PruneInterval < 0 {
		bad("PruneInterval must not be negative")
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stream: invalid config: %w", err)
	}
	return nil
}
