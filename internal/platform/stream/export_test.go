package stream

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// SetAfterCommit installs a hook that runs after each store commit, before the Kafka offset
// is marked; returning true simulates a crash right there (Run returns ErrCrashed).
func SetAfterCommit(p *Processor, fn func(topic string, partition int32, next int64) (crash bool)) {
	p.afterCommit = fn
}

// ErrCrashed is what Run returns after a simulated crash.
var ErrCrashed = errCrashed

// SetBeforeStop installs a hook that runs when workers are asked to stop (shutdown,
// revoke, loss), before they are.
func SetBeforeStop(p *Processor, fn func()) { p.beforeStop = fn }

// Claim is a worker's optimistic claim of a batch in tx: the stored offset of
// (topic, partition) moved to next and ids (at offs) inserted into group's inbox in schema,
// or, with ids nil, the offset move alone (an event-keyed CopyBatch route's claim).
func Claim(ctx context.Context, tx pgx.Tx, schema, group, topic string, partition int32, next int64, ids [][16]byte, offs []int64) error {
	s := newStore(nil, schema, group)
	if ids == nil {
		return s.moveTo(ctx, tx, topic, partition, LogID{Cluster: "bench"}, next)
	}
	return s.fastClaim(ctx, tx, topic, partition, LogID{Cluster: "bench"}, next, ids, offs)
}
