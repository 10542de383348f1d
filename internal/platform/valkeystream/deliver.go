package valkeystream

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/valkey-io/valkey-go"
)

// ackTimeout bounds the retries of one XACK. It runs even when the subscription is closing,
// so that a message acknowledged just before Close is not handled twice.
const ackTimeout = 5 * time.Second

// deliverAll hands out entries one by one, keeping the ones not acknowledged yet claimed. It
// reports false when ctx ended the subscription.
func (c *consumer) deliverAll(ctx context.Context, entries []valkey.XRangeEntry) bool {
	if len(entries) == 0 {
		return true
	}
	held := make([]string, len(entries))
	for i, e := range entries {
		held[i] = e.ID
	}
	for i, e := range entries {
		if !c.deliver(ctx, e, held[i:]) {
			return false
		}
	}
	return true
}

// deliver hands out one entry and waits for its Ack (XACK) or Nack (hand it out again). held
// are the entries this subscription holds, the current one first: they are re-claimed every
// ClaimMinIdle/3 so that no other consumer takes them over while we are alive.
func (c *consumer) deliver(ctx context.Context, e valkey.XRangeEntry, held []string) bool {
	fields := watermill.LogFields{"entry_id": e.ID}
	if e.FieldValues == nil { // reclaimed, but deleted from the stream meanwhile (XDEL, MAXLEN)
		c.ack(ctx, e.ID, false)
		return true
	}
	msg, err := c.cfg.Unmarshaler.Unmarshal(e.FieldValues)
	if err != nil {
		// Handing it out again would fail the same way forever. It stays in the stream for
		// inspection (XRANGE topic id id), acknowledged so that it stops being reclaimed.
		c.logger.Error("Undecodable stream entry: acknowledged and left in the stream", err, fields)
		c.ack(ctx, e.ID, false)
		return true
	}
	fields["message_uuid"] = msg.UUID

	heartbeat := time.NewTicker(c.cfg.ClaimMinIdle / 3)
	defer heartbeat.Stop()
	for {
		msgCtx, cancelMsg := context.WithCancel(withEntryID(ctx, e.ID))
		msg.SetContext(msgCtx)
		acked, ok := c.handOut(ctx, msg, heartbeat, held)
		cancelMsg()
		if !ok {
			return false
		}
		if acked {
			c.ack(ctx, e.ID, c.cfg.DeleteOnAck)
			c.logger.Trace("Message acknowledged", fields)
			return true
		}
		c.logger.Trace("Message nacked, handing it out again", fields)
		msg = msg.Copy()
		if c.cfg.NackResendDelay > 0 && !c.wait(ctx, c.cfg.NackResendDelay, heartbeat, held) {
			return false
		}
	}
}

// handOut sends msg to the subscription's channel and waits for Ack or Nack, refreshing the
// claim on held meanwhile. ok is false when ctx ended first.
func (c *consumer) handOut(ctx context.Context, msg *message.Message, heartbeat *time.Ticker, held []string) (acked, ok bool) {
	for sent := false; !sent; {
		select {
		case c.out <- msg:
			sent = true
		case <-heartbeat.C:
			c.touch(ctx, held)
		case <-ctx.Done():
			return false, false
		}
	}
	for {
		select {
		case <-msg.Acked():
			return true, true
		case <-msg.Nacked():
			return false, true
		case <-heartbeat.C:
			c.touch(ctx, held)
		case <-ctx.Done():
			select {
			case <-msg.Acked(): // acknowledged as we were closing: still send the XACK
				return true, true
			default:
				return false, false
			}
		}
	}
}

// wait sleeps d, refreshing the claim on held meanwhile; false when ctx ended first.
func (c *consumer) wait(ctx context.Context, d time.Duration, heartbeat *time.Ticker, held []string) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return true
		case <-heartbeat.C:
			c.touch(ctx, held)
		case <-ctx.Done():
			return false
		}
	}
}

// ack sends XACK (and XDEL when del), retrying for up to ackTimeout. Should it still fail, the
// entry stays pending and is handed out again after ClaimMinIdle: at least once, never lost.
func (c *consumer) ack(ctx context.Context, id string, del bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	cmds := valkey.Commands{c.client.B().Xack().Key(c.topic).Group(c.cfg.ConsumerGroup).Id(id).Build()}
	if del {
		cmds = append(cmds, c.client.B().Xdel().Key(c.topic).Id(id).Build())
	}
	for attempt := 0; ; attempt++ {
		var errs []error
		for _, res := range c.client.DoMulti(ctx, cmds...) {
			errs = append(errs, res.Error())
		}
		err := errors.Join(errs...)
		if err == nil {
			return
		}
		if !sleepCtx(ctx, backoff(attempt)) {
			c.logger.Error("Acknowledging failed: the entry stays pending and will be handed out again", err, watermill.LogFields{"entry_id": id})
			return
		}
	}
}

// touch re-claims held for this consumer (XCLAIM ... JUSTID), resetting their idle time
// without counting a delivery, so XAUTOCLAIM elsewhere leaves them alone.
func (c *consumer) touch(ctx context.Context, held []string) {
	cmd := c.client.B().Xclaim().Key(c.topic).Group(c.cfg.ConsumerGroup).Consumer(c.name).
		MinIdleTime("0").Id(held...).Justid().Build()
	if err := c.client.Do(ctx, cmd).Error(); err != nil && ctx.Err() == nil {
		c.logger.Error("Refreshing the claim on held entries failed", err, watermill.LogFields{"entries": strconv.Itoa(len(held))})
	}
}
