package valkeystream

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
)

// claimRound takes over and hands out the entries of the group that have been pending
// untouched for ClaimMinIdle (their consumer died or closed before acknowledging), then
// removes dead consumers when that is due. It reports false when ctx ended the subscription.
func (c *consumer) claimRound(ctx context.Context) bool {
	c.nextClaim = time.Now().Add(c.cfg.ClaimInterval)
	cursor := "0-0"
	for {
		next, err := c.claimPage(ctx, &cursor)
		if err != nil {
			if ctx.Err() != nil {
				return false
			}
			c.logger.Error("Reclaiming stale pending entries failed", err, nil)
			break
		}
		if !next {
			break
		}
		if ctx.Err() != nil {
			return false
		}
	}
	if ctx.Err() != nil {
		return false
	}
	// What leaving subscriptions handed back was taken over above: the parking name goes.
	if _, err := c.removeIfEmpty(ctx, HandBackConsumer); err != nil && ctx.Err() == nil {
		c.logger.Error("Removing the empty hand-back consumer failed", err, nil)
	}
	if !time.Now().Before(c.nextPrune) {
		c.nextPrune = time.Now().Add(max(c.cfg.ClaimInterval, c.cfg.ConsumerIdleTimeout/10))
		if err := c.pruneConsumers(ctx); err != nil && ctx.Err() == nil {
			c.logger.Error("Removing idle consumers failed", err, nil)
		}
	}
	return ctx.Err() == nil
}

// claimPage runs one XAUTOCLAIM from *cursor and hands out what it claimed. It reports whether
// there are more pages, and advances *cursor.
func (c *consumer) claimPage(ctx context.Context, cursor *string) (more bool, err error) {
	cmd := c.client.B().Xautoclaim().Key(c.topic).Group(c.cfg.ConsumerGroup).Consumer(c.name).
		MinIdleTime(strconv.FormatInt(c.cfg.ClaimMinIdle.Milliseconds(), 10)).
		Start(*cursor).Count(c.cfg.ClaimCount).Build()
	reply, err := c.client.Do(ctx, cmd).ToArray()
	if err != nil {
		return false, fmt.Errorf("XAUTOCLAIM %s: %w", c.topic, err)
	}
	if len(reply) < 2 {
		return false, fmt.Errorf("XAUTOCLAIM %s: reply has %d elements, want at least 2", c.topic, len(reply))
	}
	next, err := reply[0].ToString()
	if err != nil {
		return false, fmt.Errorf("XAUTOCLAIM %s: reading the cursor: %w", c.topic, err)
	}
	entries, err := reply[1].AsXRange()
	if err != nil {
		return false, fmt.Errorf("XAUTOCLAIM %s: reading the entries: %w", c.topic, err)
	}
	if len(entries) > 0 {
		c.logger.Info("Reclaimed stale pending entries", watermill.LogFields{"entries": len(entries)})
		if !c.deliverAll(ctx, entries) {
			return false, ctx.Err()
		}
	}
	*cursor = next
	return next != "0-0", nil
}

// pruneConsumers removes the group's consumers idle for ConsumerIdleTimeout with nothing
// pending: names of processes that died without leaving (a clean Close leaves at once). A
// consumer with pending entries is kept, since removing it would drop those entries from the
// group; XAUTOCLAIM empties it first, and the removal checks again in the same step.
func (c *consumer) pruneConsumers(ctx context.Context) error {
	reply, err := c.client.Do(ctx, c.client.B().XinfoConsumers().Key(c.topic).Group(c.cfg.ConsumerGroup).Build()).ToArray()
	if err != nil {
		return fmt.Errorf("XINFO CONSUMERS %s: %w", c.topic, err)
	}
	for _, info := range reply {
		m, err := info.AsMap()
		if err != nil {
			return fmt.Errorf("XINFO CONSUMERS %s: %w", c.topic, err)
		}
		nameV, pendingV, idleV := m["name"], m["pending"], m["idle"]
		name, _ := nameV.ToString()
		pending, perr := pendingV.AsInt64()
		idle, ierr := idleV.AsInt64()
		if name == "" || name == c.name || perr != nil || ierr != nil || pending > 0 ||
			time.Duration(idle)*time.Millisecond < c.cfg.ConsumerIdleTimeout {
			continue
		}
		removed, err := c.removeIfEmpty(ctx, name)
		if err != nil {
			return err
		}
		if removed {
			c.logger.Debug("Removed idle consumer", watermill.LogFields{"idle_consumer": name})
		}
	}
	return nil
}
