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
// or, with ids nil, the offset move alone (an event-keyed CopyBatch route's claim); slim
// inserts into SlimInbox's table instead.
func Claim(ctx context.Context, tx pgx.Tx, schema, group, topic string, partition int32, next int64, ids [][16]byte, offs []int64, slim bool) error {
	s := newStore(nil, schema, group)
	if slim {
		// The slimmer inbox weighed in CopyBatch's doc: integer group and topic ids.
		_, err := tx.Exec(ctx, moveOffset(pgx.Identifier{schema, "consumer_offsets"}.Sanitize(), "$7", "$8")+`
INSERT INTO `+pgx.Identifier{schema, "inbox_slim"}.Sanitize()+` (group_id, event_id, topic_id, "partition", "offset")
SELECT 1, e, 1, $3, o FROM unnest($5::uuid[], $6::bigint[]) AS u(e, o)`, group, topic, partition, next, ids, offs, "bench", [16]byte{})
		return err
	}
	if ids == nil {
		return s.moveTo(ctx, tx, topic, partition, LogID{Cluster: "bench"}, next)
	}
	return s.fastClaim(ctx, tx, topic, partition, LogID{Cluster: "bench"}, next, ids, offs)
}

// SlimInbox is the inbox a Claim with slim writes: the runtime's columns with the group
// and the topic as integers (a table of names would map them), the same keys and indexes.
const SlimInbox = `CREATE TABLE inbox_slim (
	group_id    integer     NOT NULL,
	event_id    uuid        NOT NULL,
	handled_at  timestamptz NOT NULL DEFAULT now(),
	topic_id    integer,
	"partition" integer,
	"offset"    bigint,
	PRIMARY KEY (group_id, event_id)
);
CREATE INDEX inbox_slim_handled_at ON inbox_slim USING brin (handled_at)`
