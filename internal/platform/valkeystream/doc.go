// Package valkeystream is a Watermill Pub/Sub on Valkey Streams (and Redis 7, which speaks the
// same protocol), built on valkey-go. It passes Watermill's own Pub/Sub test suite
// (github.com/ThreeDotsLabs/watermill/pubsub/tests) against a real server.
//
// A topic is a stream key. [Publisher] appends one entry per message with XADD: fields "uuid",
// "payload" and "metadata" (a JSON object), see [DefaultMarshaler]. [Subscriber] reads through a
// consumer group (XGROUP CREATE ... MKSTREAM, then XREADGROUP ... BLOCK), so:
//
//   - Subscribers that share a ConsumerGroup compete: each entry goes to one of them (a job
//     queue). Subscribers in different groups each get every entry (fan-out).
//   - Every Subscribe call is its own consumer in the group ("<Consumer>-<n>") running its own
//     goroutine and its own blocking XREADGROUP on its own connection from valkey-go's blocking
//     pool. Subscriptions never wait for each other: a backlog on one stream cannot delay
//     another. That is how a priority lane works: publish emergencies to their own topic and
//     give that topic its own subscription (see the package tests).
//   - A subscription hands out one message at a time and waits for Ack or Nack before the next,
//     as Watermill requires.
//
// Delivery is at least once:
//
//   - Ack sends XACK (retried briefly; a subscription that closes right after an Ack still sends
//     it). With SubscriberConfig.DeleteOnAck the entry is also deleted (XDEL) in the same round
//     trip; only use that when a single consumer group reads the stream, because other groups
//     would lose the entry. Without it the stream keeps acknowledged entries: bound it with
//     PublisherConfig.MaxLen (XADD MAXLEN ~ n), sized well above any backlog you expect, since
//     trimming does not look at what is still unread or pending.
//   - Nack re-delivers the same message on the same subscription after NackResendDelay, the way
//     watermill-redisstream does it: the entry stays pending in the group and is never skipped.
//     Give up on a poison message with Watermill's Retry and PoisonQueue middleware.
//   - An entry read by a consumer that dies (process killed, subscription closed before the
//     Ack) stays pending. Every subscription runs XAUTOCLAIM every ClaimInterval and takes over
//     entries idle for ClaimMinIdle or longer, so another consumer gets the job. While a
//     subscription holds entries (the one out for handling and the rest of its read batch) it
//     re-claims them for itself every ClaimMinIdle/3 (XCLAIM ... JUSTID, which resets the idle
//     time), so a slow but alive handler does not lose its job to a second consumer.
//
// Order: one subscription delivers its entries in stream order, and a Nack re-delivers the
// same message before moving on. With several consumers in a group, or after a reclaim, entries
// of a stream can be handled out of order.
//
// A subscription leaves its group when it ends (ctx done or Close): in one server-side script
// its unacknowledged entries are moved to [HandBackConsumer], idle enough for the next claim
// round of any subscription to take them at once, and its consumer name is deleted (XGROUP
// DELCONSUMER would drop entries still pending for it, which is why they move first). Claim
// rounds remove the hand-back name once it holds nothing, so after any number of clean
// restarts XINFO CONSUMERS lists the live subscriptions only. Consumers of processes that died
// without leaving are removed once idle for ConsumerIdleTimeout with nothing pending.
package valkeystream
