package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valkey-io/valkey-go"

	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
)

// Stream names of the job queue under the default StreamPrefix; StreamsFor gives the names
// under another prefix.
const (
	// DefaultStreamPrefix is Config.StreamPrefix's default.
	DefaultStreamPrefix = "notifications"
	LaneEmergency       = DefaultStreamPrefix + ".emergency"
	LaneRoutine         = DefaultStreamPrefix + ".routine"
	// PoisonTopic receives jobs that can never succeed (see the package doc).
	PoisonTopic = DefaultStreamPrefix + ".poison"
	// ConsumerGroup is the Valkey consumer group of the workers.
	ConsumerGroup = "svc-notifications"
)

// Streams are the Valkey stream names one delivery stage uses.
type Streams struct {
	// Emergency and Routine are the two lanes; Poison takes jobs that can never succeed.
	Emergency, Routine, Poison string
}

// StreamsFor names the streams under prefix: "<prefix>.emergency", "<prefix>.routine",
// "<prefix>.poison". Stages (or tests) with different prefixes share a Valkey database
// without taking each other's jobs.
func StreamsFor(prefix string) Streams {
	return Streams{Emergency: prefix + ".emergency", Routine: prefix + ".routine", Poison: prefix + ".poison"}
}

// Keys lists the stream names, e.g. for a test to delete them.
func (s Streams) Keys() []string { return []string{s.Emergency, s.Routine, s.Poison} }

// Defaults of Config.
const (
	DefaultPollInterval        = time.Second
	DefaultSweepInterval       = 30 * time.Second
	DefaultStaleAfter          = 5 * time.Minute
	DefaultBatchSize           = 500
	DefaultEmergencyWorkers    = 8
	DefaultRoutineWorkers      = 32
	DefaultHandlerTimeout      = 30 * time.Second
	DefaultMaxRetries          = 3
	DefaultRetryInterval       = 200 * time.Millisecond
	DefaultMaxRetryAfter       = 30 * time.Second
	DefaultNackResendDelay     = time.Second
	DefaultClaimMinIdle        = 30 * time.Second
	DefaultBreakerFailures     = 5
	DefaultBreakerOpenFor      = 10 * time.Second
	DefaultRatePerSecond       = 1000
	DefaultRateBurst           = 1
	DefaultMaxFailureTextBytes = 1000
	DefaultMaxAttempts         = 10
	DefaultMaxAge              = 24 * time.Hour
	// DefaultMaxDeferral caps the backoff of a row deferred after a failed job.
	DefaultMaxDeferral = 5 * time.Minute
)

// Config configures the delivery stage. Zero values take the documented defaults.
type Config struct {
	// Pool is the service database, migrated with Migrate. Required.
	Pool *pgxpool.Pool
	// Valkey carries the job streams. Required; the caller owns and closes it.
	Valkey valkey.Client
	// Senders are the providers by channel. A row on a channel without a sender goes to the
	// poison queue. Required (at least one).
	Senders map[provider.Channel]provider.Sender
	// Directory resolves group recipients and rows stored without an address. Required.
	Directory Directory
	// Emit publishes the delivery status events (intake.NewEmitter). Required.
	Emit *intake.Emitter
	// StreamPrefix names the Valkey streams (StreamsFor); default DefaultStreamPrefix,
	// giving LaneEmergency, LaneRoutine and PoisonTopic.
	StreamPrefix string

	// Logger; discarded if nil.
	Logger *slog.Logger
	// Registerer takes the metrics; none are registered if nil.
	Registerer prometheus.Registerer

	// PollInterval is how often the dispatcher looks for due rows when no insert woke it
	// (it LISTENs on notifications_due, which a trigger fires on every insert). Default 1s.
	PollInterval time.Duration
	// SweepInterval is how often the sweeper looks for lost jobs. Default 30s.
	SweepInterval time.Duration
	// StaleAfter is how long a queued row may go without a delivery attempt before the
	// sweeper publishes its job again. Default 5m.
	StaleAfter time.Duration
	// BatchSize bounds the rows one dispatch round claims. Default 500.
	BatchSize int
	// EmergencyWorkers and RoutineWorkers are the concurrent subscriptions per lane.
	// Defaults 8 and 32: with providers answering in 20 ms, 32 routine workers deliver
	// well over 500/s.
	EmergencyWorkers, RoutineWorkers int
	// HandlerTimeout bounds one job: provider calls, in-process retries and Retry-After
	// waits included. The last recordBudget of it (a sixth, at most 5s) is kept for
	// recording the outcome: provider calls are cut off before it. A job that runs out is
	// acknowledged and its row deferred (see the package doc). Default 30s.
	HandlerTimeout time.Duration
	// MaxRetries is the in-process retries of a retryable failure before the job is
	// acknowledged and its row deferred (NackResendDelay doubling per logged retry attempt,
	// at most DefaultMaxDeferral). Default 3.
	MaxRetries int
	// MaxAttempts and MaxAge bound a row's retryable failures: once it has this many
	// "retry" attempts in delivery_log, or was created this long ago, a failed job marks it
	// failed (with a FAILED status event) and sends its job to the poison stream instead
	// of deferring it again. Defaults 10 and 24h.
	MaxAttempts int
	MaxAge      time.Duration
	// RetryInterval is the first in-process retry delay (doubling). Default 200ms.
	RetryInterval time.Duration
	// MaxRetryAfter caps how long a provider's Retry-After holds a worker. Default 30s.
	MaxRetryAfter time.Duration
	// NackResendDelay is how long a Nacked job waits in Valkey (a job is Nacked only when
	// its row could not be deferred, e.g. the database is unreachable), and the first
	// deferral of a row whose job failed. Default 1s.
	NackResendDelay time.Duration
	// ClaimMinIdle is how long a dead worker's job waits before another takes it. Default 30s.
	ClaimMinIdle time.Duration
	// BreakerFailures is how many consecutive retryable failures of a provider open its
	// circuit; BreakerOpenFor how long it stays open before one trial call. Defaults 5, 10s.
	BreakerFailures int
	BreakerOpenFor  time.Duration
	// RatePerSecond limits calls per provider (throttle.go). Default 1000.
	RatePerSecond float64
	// RateBurst is how many calls per provider may go at once above RatePerSecond's even
	// spacing (the token bucket's size). Default 1: calls are spaced evenly, which no
	// provider's per-second limit refuses; raise it where a provider allows bursts.
	RateBurst int

	// Now is the clock of the status events; time.Now if nil.
	Now func() time.Time

	// afterPublish, if set, runs after a dispatch round published its jobs and before it
	// commits; an error rolls the round back (tests simulate a crash with it).
	afterPublish func() error
	// hook, if set, runs at the named stages of a job (stageTaken: before the lease;
	// stageLeased: after it, before the provider call); an error makes the job stop right
	// there, touching nothing (tests kill a worker with it).
	hook func(ctx context.Context, stage string) error
}

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.PollInterval, DefaultPollInterval)
	def(&c.SweepInterval, DefaultSweepInterval)
	def(&c.StaleAfter, DefaultStaleAfter)
	def(&c.HandlerTimeout, DefaultHandlerTimeout)
	def(&c.RetryInterval, DefaultRetryInterval)
	def(&c.MaxRetryAfter, DefaultMaxRetryAfter)
	def(&c.NackResendDelay, DefaultNackResendDelay)
	def(&c.ClaimMinIdle, DefaultClaimMinIdle)
	def(&c.BreakerOpenFor, DefaultBreakerOpenFor)
	def(&c.MaxAge, DefaultMaxAge)
	if c.StreamPrefix == "" {
		c.StreamPrefix = DefaultStreamPrefix
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.EmergencyWorkers == 0 {
		c.EmergencyWorkers = DefaultEmergencyWorkers
	}
	if c.RoutineWorkers == 0 {
		c.RoutineWorkers = DefaultRoutineWorkers
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.BreakerFailures == 0 {
		c.BreakerFailures = DefaultBreakerFailures
	}
	if c.RatePerSecond == 0 {
		c.RatePerSecond = DefaultRatePerSecond
	}
	if c.RateBurst == 0 {
		c.RateBurst = DefaultRateBurst
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.Pool == nil {
		errs = append(errs, errors.New("Pool is required"))
	}
	if c.Valkey == nil {
		errs = append(errs, errors.New("Valkey is required"))
	}
	if len(c.Senders) == 0 {
		errs = append(errs, errors.New("Senders is empty"))
	}
	for ch, s := range c.Senders {
		if s == nil {
			errs = append(errs, fmt.Errorf("Senders[%s] is nil", ch))
		}
	}
	if c.Directory == nil {
		errs = append(errs, errors.New("Directory is required"))
	}
	if c.Emit == nil {
		errs = append(errs, errors.New("Emit is required"))
	}
	for name, d := range map[string]time.Duration{"PollInterval": c.PollInterval, "SweepInterval": c.SweepInterval,
		"StaleAfter": c.StaleAfter, "HandlerTimeout": c.HandlerTimeout, "RetryInterval": c.RetryInterval,
		"MaxRetryAfter": c.MaxRetryAfter, "NackResendDelay": c.NackResendDelay, "ClaimMinIdle": c.ClaimMinIdle,
		"BreakerOpenFor": c.BreakerOpenFor, "MaxAge": c.MaxAge} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s %s is negative", name, d))
		}
	}
	if c.BatchSize < 1 || c.EmergencyWorkers < 1 || c.RoutineWorkers < 1 || c.MaxRetries < 0 ||
		c.BreakerFailures < 1 || c.RatePerSecond <= 0 || c.RateBurst < 1 || c.MaxAttempts < 1 {
		errs = append(errs, errors.New("BatchSize, workers, BreakerFailures, RatePerSecond, RateBurst and MaxAttempts must be positive"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("delivery: config: %w", err)
	}
	return nil
}
