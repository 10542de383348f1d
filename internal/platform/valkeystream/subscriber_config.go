package valkeystream

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/valkey-io/valkey-go"
)

// Defaults of SubscriberConfig.
const (
	DefaultStartID             = "0"
	DefaultBlockTime           = time.Second
	DefaultReadCount           = 10
	DefaultClaimInterval       = 5 * time.Second
	DefaultClaimMinIdle        = 30 * time.Second
	DefaultClaimCount          = 100
	DefaultConsumerIdleTimeout = 30 * time.Minute
)

// SubscriberConfig configures a Subscriber. The zero value of every field but Client and
// ConsumerGroup means its default.
type SubscriberConfig struct {
	// Client runs the stream commands; blocking reads take connections from its blocking
	// pool, one per subscription. Required. Close does not close it: the caller owns it.
	Client valkey.Client

	// ConsumerGroup is the group every subscription of this Subscriber reads through.
	// Required. Subscribers sharing a group share the work; each group gets every entry.
	ConsumerGroup string

	// Consumer prefixes the consumer names of this Subscriber's subscriptions: each Subscribe
	// call reads as "<Consumer>-<n>". Default: the host name and a random suffix, so that two
	// processes on one host never share a name.
	Consumer string

	// StartID is where a group that does not exist yet starts when a subscription creates it:
	// "0" (the default) takes every entry still in the stream, so a job published before the
	// first worker ever started is not lost; "$" takes only entries added from then on.
	StartID string

	// BlockTime is how long one XREADGROUP waits for new entries before the subscription looks
	// at its claim timer again. Closing never waits for it. Default 1s.
	BlockTime time.Duration

	// ReadCount is how many entries one XREADGROUP takes at most (COUNT). They are handed out
	// one by one and kept claimed while they wait. Default 10.
	ReadCount int64

	// ClaimInterval is how often a subscription looks for entries that other consumers read
	// and did not acknowledge (XAUTOCLAIM). Default 5s.
	ClaimInterval time.Duration

	// ClaimMinIdle is how long an entry must be pending untouched before another consumer
	// takes it over: how long a dead worker's job waits. Live subscriptions refresh what they
	// hold every ClaimMinIdle/3, so it may be shorter than the slowest handler. Default 30s.
	ClaimMinIdle time.Duration

	// ClaimCount is how many pending entries one XAUTOCLAIM call examines (COUNT). Default 100.
	ClaimCount int64

	// NackResendDelay is how long a subscription waits before re-delivering a Nacked message.
	// Default 0: at once (put Watermill's Retry middleware in front for backoff).
	NackResendDelay time.Duration

	// DeleteOnAck deletes an entry (XDEL) when it is acknowledged. Only for streams read by a
	// single consumer group: other groups would never see the entry. Default false (keep
	// entries; bound the stream with PublisherConfig.MaxLen instead).
	DeleteOnAck bool

	// ConsumerIdleTimeout removes consumers of the group that have been idle this long and
	// hold nothing pending (dead processes' names). Default 30m; must exceed BlockTime and
	// ClaimMinIdle comfortably.
	ConsumerIdleTimeout time.Duration

	// Unmarshaler turns entries into messages. Default DefaultMarshaler.
	Unmarshaler Unmarshaler
}

func (c *SubscriberConfig) setDefaults() {
	if c.Consumer == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "consumer"
		}
		c.Consumer = host + "-" + watermill.NewShortUUID()
	}
	if c.StartID == "" {
		c.StartID = DefaultStartID
	}
	if c.BlockTime == 0 {
		c.BlockTime = DefaultBlockTime
	}
	if c.ReadCount == 0 {
		c.ReadCount = DefaultReadCount
	}
	if c.ClaimInterval == 0 {
		c.ClaimInterval = DefaultClaimInterval
	}
	if c.ClaimMinIdle == 0 {
		c.ClaimMinIdle = DefaultClaimMinIdle
	}
	if c.ClaimCount == 0 {
		c.ClaimCount = DefaultClaimCount
	}
	if c.ConsumerIdleTimeout == 0 {
		c.ConsumerIdleTimeout = DefaultConsumerIdleTimeout
	}
	if c.Unmarshaler == nil {
		c.Unmarshaler = DefaultMarshaler{}
	}
}

func (c *SubscriberConfig) validate() error {
	var errs []error
	if c.Client == nil {
		errs = append(errs, errors.New("Client is required"))
	}
	if c.ConsumerGroup == "" {
		errs = append(errs, errors.New("ConsumerGroup is required"))
	}
	if c.BlockTime < time.Millisecond {
		errs = append(errs, fmt.Errorf("BlockTime %s is under 1ms (0 would block forever)", c.BlockTime))
	}
	if c.ReadCount < 1 {
		errs = append(errs, fmt.Errorf("ReadCount %d is not positive", c.ReadCount))
	}
	if c.ClaimInterval <= 0 {
		errs = append(errs, fmt.Errorf("ClaimInterval %s is not positive", c.ClaimInterval))
	}
	if c.ClaimMinIdle < 3*time.Millisecond {
		errs = append(errs, fmt.Errorf("ClaimMinIdle %s is under 3ms", c.ClaimMinIdle))
	}
	if c.ClaimCount < 1 {
		errs = append(errs, fmt.Errorf("ClaimCount %d is not positive", c.ClaimCount))
	}
	if c.NackResendDelay < 0 {
		errs = append(errs, fmt.Errorf("NackResendDelay %s is negative", c.NackResendDelay))
	}
	if c.ConsumerIdleTimeout < 2*max(c.BlockTime, c.ClaimMinIdle) {
		errs = append(errs, fmt.Errorf("ConsumerIdleTimeout %s is under twice max(BlockTime, ClaimMinIdle)", c.ConsumerIdleTimeout))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("valkeystream: subscriber config: %w", err)
	}
	return nil
}
