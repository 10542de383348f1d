package valkeystream

import (
	"context"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/valkey-io/valkey-go"
)

// consumer is one subscription: one consumer name in the group, one goroutine, one stream.
type consumer struct {
	cfg    *SubscriberConfig
	client valkey.Client
	topic  string
	name   string
	out    chan *message.Message
	logger watermill.LoggerAdapter

	nextClaim time.Time // when to look for stale pending entries again
	nextPrune time.Time // when to look for dead consumers again
}

// run reads and hands out entries until ctx is done: stale pending entries of dead consumers
// every ClaimInterval, new entries in between.
func (c *consumer) run(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		if !time.Now().Before(c.nextClaim) {
			if !c.claimRound(ctx) {
				return
			}
		}
		entries, err := c.read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if isNoGroup(err) { // the stream or group was deleted under us: make it again
				c.logger.Info("Consumer group missing, creating it again", watermill.LogFields{"err": err.Error()})
				err = c.createGroup(ctx)
			}
			if err != nil {
				c.logger.Error("Reading the stream failed", err, watermill.LogFields{"retry_in": backoff(failures).String()})
				if !sleepCtx(ctx, backoff(failures)) {
					return
				}
				failures++
			}
			continue
		}
		failures = 0
		if !c.deliverAll(ctx, entries) {
			return
		}
	}
}

// read runs one XREADGROUP ... BLOCK for entries never delivered to the group (">"). It blocks
// at most until the next claim round is due.
func (c *consumer) read(ctx context.Context) ([]valkey.XRangeEntry, error) {
	block := min(c.cfg.BlockTime, time.Until(c.nextClaim))
	blockMS := max(block.Milliseconds(), 1)
	cmd := c.client.B().Xreadgroup().Group(c.cfg.ConsumerGroup, c.name).
		Count(c.cfg.ReadCount).Block(blockMS).Streams().Key(c.topic).Id(">").Build()
	streams, err := c.client.Do(ctx, cmd).AsXRead()
	if valkey.IsValkeyNil(err) { // BLOCK timed out
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return streams[c.topic], nil
}

func (c *consumer) createGroup(ctx context.Context) error {
	return createGroup(ctx, c.client, c.topic, c.cfg.ConsumerGroup, c.cfg.StartID)
}
