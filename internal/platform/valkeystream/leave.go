package valkeystream

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/valkey-io/valkey-go"
)

// HandBackConsumer is the consumer name under which a leaving subscription parks the entries
// it read and did not acknowledge. It is never a live consumer: every subscription's claim
// round takes its entries over (XAUTOCLAIM) and removes it once it holds nothing.
const HandBackConsumer = "valkeystream-handback"

// handBackIdle is the idle time given to handed-back entries: longer than any ClaimMinIdle,
// so the next claim round of any subscription takes them at once instead of waiting.
const handBackIdle = 24 * time.Hour

// leaveScript moves every entry pending for the consumer ARGV[2] of group ARGV[1] on stream
// KEYS[1] to the hand-back consumer ARGV[3] (idle ARGV[4] ms, delivery count unchanged), then
// removes the consumer. One script, so nothing can become pending for the consumer between
// the move and XGROUP DELCONSUMER, which would drop it from the group for good. It returns how
// many entries it handed back; the page bound keeps a misbehaving server from looping forever.
var leaveScript = valkey.NewLuaScript(`
local moved = 0
for _ = 1, 1000 do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 100, ARGV[2])
  if #pending == 0 then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
    return moved
  end
  local claim = {'XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0}
  for _, e in ipairs(pending) do claim[#claim + 1] = e[1] end
  claim[#claim + 1] = 'IDLE'
  claim[#claim + 1] = ARGV[4]
  claim[#claim + 1] = 'JUSTID'
  redis.call(unpack(claim))
  moved = moved + #pending
end
return redis.error_reply('consumer still holds entries after 1000 hand-back pages; left in place')
`)

// removeIfEmptyScript removes the consumer ARGV[2] of group ARGV[1] on stream KEYS[1] only if
// it holds no pending entry, in one step, so an entry claimed for it meanwhile is never lost.
// It returns 1 when it removed the consumer.
var removeIfEmptyScript = valkey.NewLuaScript(`
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
`)

// leave runs when the subscription ends: its unacknowledged entries go to HandBackConsumer,
// ready for the next claim round of any subscription, and its consumer name leaves the group;
// the hand-back consumer goes too when it holds nothing. Should the server not answer, the
// entries stay pending under this consumer, reclaimed after ClaimMinIdle as for a crashed
// process: nothing is lost either way.
func (c *consumer) leave() {
	ctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
	defer cancel()
	moved, err := leaveScript.Exec(ctx, c.client, []string{c.topic},
		[]string{c.cfg.ConsumerGroup, c.name, HandBackConsumer, strconv.FormatInt(handBackIdle.Milliseconds(), 10)}).AsInt64()
	if err != nil {
		c.logger.Error("Leaving the consumer group failed: unacknowledged entries stay pending under this consumer until reclaimed", err, nil)
		return
	}
	if moved > 0 {
		c.logger.Info("Left the consumer group, handing back unacknowledged entries", watermill.LogFields{"entries": moved})
	}
	if _, err := c.removeIfEmpty(ctx, HandBackConsumer); err != nil {
		c.logger.Error("Removing the empty hand-back consumer failed", err, nil)
	}
}

// removeIfEmpty removes consumer name from the group when it holds nothing pending.
func (c *consumer) removeIfEmpty(ctx context.Context, name string) (bool, error) {
	n, err := removeIfEmptyScript.Exec(ctx, c.client, []string{c.topic}, []string{c.cfg.ConsumerGroup, name}).AsInt64()
	if err != nil {
		return false, fmt.Errorf("removing consumer %s of %s: %w", name, c.topic, err)
	}
	return n == 1, nil
}
