// Package cboutbox is the transactional outbox on Couchbase: a collection written in the
// caller's Couchbase transaction (Enqueue) and an outbox.Store for the engine-neutral
// outbox.Relay, which publishes the committed documents and deletes each only after the
// brokers acknowledged it. The guarantees are outbox's (package doc there), resting here on:
//
//   - Ids. Each message takes an id from a counter document (a sub-document MutateIn
//     increment: atomic, outside the transaction, which needs none), when it is enqueued.
//     A transaction that writes an aggregate reads and replaces the aggregate's document
//     first; a second transaction on the same aggregate then conflicts and starts its
//     attempt again, taking new ids after the first committed, so ids follow commit order
//     per aggregate (per key) as the PostgreSQL sequence does under a row lock. Ids of a
//     rolled-back attempt are gaps, and the relay keeps no watermark, so a slow transaction
//     committing a lower id later is found by the next fetch.
//   - Visibility. Documents a transaction inserts are invisible until it commits; the relay
//     fetches with request_plus scan consistency, oldest id first, from the oldest document
//     left.
//   - One relay. A lease document, inserted with an expiry and renewed with its CAS, grants
//     leadership; a relay that cannot renew it before it expires reports the session lost.
//   - Wake-ups. Couchbase has no LISTEN/NOTIFY: Committed, called after a transaction that
//     enqueued commits, wakes the relays of this process at once; the relay of another
//     process finds the documents by polling (outbox.Config.PollInterval).
package cboutbox
