package outbox

import (
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Config configures a Relay. Zero values take the defaults named on each field.
type Config struct {
	// Store is the outbox to relay from. Required.
	Store Store

	// Client produces the records. It must keep franz-go's default idempotent producer (no
	// kgo.DisableIdempotentWrite), which is what keeps rows of one key in order across
	// retries; a linger of 0 (kgo.ProducerLinger(0)) suits the relay, which produces whole
	// batches and waits for their acknowledgements anyway. The Relay does not close it. When nil, Run builds its own client from
	// ClientOpts and closes it on return.
	Client *kgo.Client
	// ClientOpts build the relay's own client when Client is nil; they must seed the brokers.
	// The relay puts kgo.ProducerLinger(0) and kgo.RecordDeliveryTimeout(30s) first, so a
	// broker outage surfaces as logged, counted errors instead of a silent stall; options
	// given here override them.
	ClientOpts []kgo.Opt

	// Fence makes the relay's producer transactional, one transaction per batch (or per
	// pipeline of batches during a backlog), so that a deposed leader cut off by the network
	// cannot land a record after its successor's resume check: every row is then on Kafka once
	// for readers that read committed. It needs ClientOpts (the relay creates its producer per
	// leadership) and readers set to read committed; see fence.go for what it costs.
	Fence bool
	// TransactionalID overrides the id a fenced relay's producer fences under (default: the
	// Session's TransactionalID, see TransactionalIDer, else "novatrek-outbox/" + Store.Name()).
	// Every relay of one store must use the same id, and no two stores on one Kafka cluster
	// may: each would fence the other's producer in turn. The default names the database and
	// schema, which is not unique when two deployments share a cluster (staging beside
	// production, a restored copy beside the original): give each its own id there, e.g.
	// prefixed with the environment's name. Only with Fence.
	TransactionalID string

	// BatchSize is how many rows one fetch, produce and delete round carries. Default 1000.
	BatchSize int
	// PollInterval is how long the leader waits for a notification before it looks anyway,
	// the fallback for a lost notification. Default 1s.
	PollInterval time.Duration
	// LeaseRetry is how often a standby tries to become leader, which bounds how long a
	// failover takes once the old leader's session is gone. Default 1s.
	LeaseRetry time.Duration
	// RetryBackoff is the first wait after a failed fetch, produce or delete; it doubles on
	// each consecutive failure up to MaxRetryBackoff. Defaults 100ms and 10s.
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration
	// StatsInterval is how often the leader measures the backlog for the metrics. Default 5s.
	StatsInterval time.Duration

	// Logger receives leadership changes and errors. Default: discard.
	Logger *slog.Logger
	// Metrics registers the relay's collectors (labelled outbox=<Store.Name()>). Default:
	// not registered anywhere.
	Metrics prometheus.Registerer
}

// Defaults.
const (
	DefaultBatchSize       = 1000
	DefaultPollInterval    = time.Second
	DefaultLeaseRetry      = time.Second
	DefaultRetryBackoff    = 100 * time.Millisecond
	DefaultMaxRetryBackoff = 10 * time.Second
	DefaultStatsInterval   = 5 * time.Second
	// DefaultDeliveryTimeout bounds how long the relay's own client retries a record before
	// reporting the failure (the row stays and is retried by the relay).
	DefaultDeliveryTimeout = 30 * time.Second
)

func (c Config) withDefaults() Config {
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.LeaseRetry == 0 {
		c.LeaseRetry = DefaultLeaseRetry
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if c.MaxRetryBackoff == 0 {
		c.MaxRetryBackoff = DefaultMaxRetryBackoff
	}
	if c.StatsInterval == 0 {
		c.StatsInterval = DefaultStatsInterval
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("Store is required"))
	}
	if c.Client == nil && len(c.ClientOpts) == 0 {
		errs = append(errs, errors.New("Client or ClientOpts is required"))
	}
	if c.Client != nil && len(c.ClientOpts) > 0 {
		errs = append(errs, errors.New("give Client or ClientOpts, not both"))
	}
	if c.Fence && len(c.ClientOpts) == 0 {
		errs = append(errs, errors.New("Fence needs ClientOpts (not Client): the relay creates its transactional producer per leadership"))
	}
	if c.TransactionalID != "" && !c.Fence {
		errs = append(errs, errors.New("TransactionalID needs Fence"))
	}
	if c.BatchSize < 0 {
		errs = append(errs, errors.New("BatchSize must be positive"))
	}
	for name, d := range map[string]time.Duration{
		"PollInterval": c.PollInterval, "LeaseRetry": c.LeaseRetry, "RetryBackoff": c.RetryBackoff,
		"MaxRetryBackoff": c.MaxRetryBackoff, "StatsInterval": c.StatsInterval,
	} {
		if d < 0 {
			errs = append(errs, errors.New(name+" must be positive"))
		}
	}
	if c.MaxRetryBackoff > 0 && c.RetryBackoff > c.MaxRetryBackoff {
		errs = append(errs, errors.New("RetryBackoff must not exceed MaxRetryBackoff"))
	}
	return errors.Join(errs...)
}
