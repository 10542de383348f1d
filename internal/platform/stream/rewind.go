package stream

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Position is where one partition of a consumer group resumes: Offset is the next offset
// to apply, in the log Log (see Logs). A zero Log keeps the stored binding.
type Position struct {
	Topic     string
	Partition int32
	Offset    int64
	Log       LogID
}

// RewindResult says what Rewind changed.
type RewindResult struct {
	// Forgotten is how many inbox rows were deleted: the events applied at or after the
	// new offsets, which the group will apply again.
	Forgotten int64
	// Unplaced is how many inbox rows of the group have no position (written before the
	// inbox recorded positions). Rewind keeps them, so their events stay skipped when
	// they come again; ClearInbox deletes them.
	Unplaced int64
	// Rebound is how many partitions moved to another log (a new broker or a recreated
	// topic): their inbox rows name offsets of the old log, so they are all kept, and a
	// re-read event with a known id is still skipped.
	Rebound int
}

// Rewind moves group's stored offsets to the given positions and forgets, in the inbox,
// the events it applied at or after them, in tx (the caller commits; do it in the same
// transaction as any rebuild of the service's tables). The group must be stopped: a
// running member keeps its own position and would move the offset forward again.
//
// For each position the partition's consumer_offsets row is set (created when missing) to
// Offset, and the inbox rows of (group, topic, partition) at offsets >= Offset are deleted.
// So exactly the events from Offset on are applied again, while a duplicate of an event
// first applied before Offset (same event id, later offset) is still skipped, as it was
// when applied live: its inbox row names the earlier offset and stays. A position ahead of
// the stored offset only moves the offset (nothing was applied there, so nothing is
// deleted): the events in between are skipped.
//
// Moving back also records, in the row's replay_until, how far the partition had got, so
// the re-applied records reach handlers with Event.Replay set.
//
// Each row is bound to its position's Log and its refusal (see Processor) is cleared, so
// the next member to be assigned the partition consumes it. A position whose Log differs
// from the row's binding moves the partition to a new log: no inbox row is deleted (their
// offsets are of the old log, and the events they name must stay applied once) and
// replay_until is cleared (nothing of the new log was applied).
//
// An event whose id was first applied from another partition or topic keeps that row and
// stays skipped unless that partition is rewound too; rewind every partition of a topic
// (what `novatrek groups reset` does by default) to replay it as it was consumed.
//
// Re-applying is only correct for effects that can take it: upserts of the latest state
// are, counters and appends are not (they count twice). Rebuild those from scratch
// instead: clear the derived tables (service.Spec.Rebuild), ClearInbox and Rewind to the
// earliest offsets, all in one transaction.
func Rewind(ctx context.Context, tx pgx.Tx, schema, group string, to []Position) (RewindResult, error) {
	var res RewindResult
	if err := checkPositions(schema, group, to); err != nil {
		return res, err
	}
	topics := make([]string, len(to))
	partitions := make([]int32, len(to))
	offsets := make([]int64, len(to))
	for i, p := range to {
		topics[i], partitions[i], offsets[i] = p.Topic, p.Partition, p.Offset
	}
	inbox := pgx.Identifier{schema, "inbox"}.Sanitize()
	stored := pgx.Identifier{schema, "consumer_offsets"}.Sanitize()
	// Offsets first: locking the partitions' rows makes a zombie member's batch wait for
	// this transaction instead of interleaving with the delete.
	bound, err := lockBindings(ctx, tx, stored, group, topics, partitions)
	if err != nil {
		return res, fmt.Errorf("stream: rewind %s: %w", group, err)
	}
	clusters := make([]pgtype.Text, len(to))
	ids := make([]pgtype.UUID, len(to))
	var sameTopics []string
	var sameParts []int32
	var sameOffsets []int64
	for i, p := range to {
		if !p.Log.IsZero() {
			clusters[i] = pgtype.Text{String: p.Log.Cluster, Valid: true}
			ids[i] = pgtype.UUID{Bytes: p.Log.Topic, Valid: true}
		}
		if old, ok := bound[topicPartition{p.Topic, p.Partition}]; ok && !p.Log.IsZero() && old != p.Log {
			res.Rebound++
			continue
		}
		sameTopics, sameParts, sameOffsets = append(sameTopics, p.Topic), append(sameParts, p.Partition), append(sameOffsets, p.Offset)
	}
	// Moving back within a log raises replay_until to where the partition had got (SET
	// sees the old row), so the records in between are marked Event.Replay; moving to
	// another log clears it.
	if _, err := tx.Exec(ctx, `INSERT INTO `+stored+` AS o (consumer_group, topic, partition, next_offset, cluster_id, topic_id)
SELECT $1, t, p, n, c, i FROM unnest($2::text[], $3::int[], $4::bigint[], $5::text[], $6::uuid[]) AS u(t, p, n, c, i)
ON CONFLICT (consumer_group, topic, partition)
DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now(), refused = NULL,
	cluster_id = coalesce(EXCLUDED.cluster_id, o.cluster_id), topic_id = coalesce(EXCLUDED.topic_id, o.topic_id),
	replay_until = CASE
		WHEN o.cluster_id IS DISTINCT FROM coalesce(EXCLUDED.cluster_id, o.cluster_id)
			OR o.topic_id IS DISTINCT FROM coalesce(EXCLUDED.topic_id, o.topic_id) THEN NULL
		WHEN EXCLUDED.next_offset < o.next_offset THEN GREATEST(o.next_offset, o.replay_until)
		ELSE o.replay_until END`, group, topics, partitions, offsets, clusters, ids); err != nil {
		return res, fmt.Errorf("stream: rewind %s: set stored offsets: %w", group, err)
	}
	tag, err := tx.Exec(ctx, `DELETE FROM `+inbox+` AS i
USING unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, n)
WHERE i.consumer_group = $1 AND i.topic = u.t AND i."partition" = u.p AND i."offset" >= u.n`,
		group, sameTopics, sameParts, sameOffsets)
	if err != nil {
		return res, fmt.Errorf("stream: rewind %s: forget inbox rows: %w", group, err)
	}
	res.Forgotten = tag.RowsAffected()
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+inbox+` WHERE consumer_group = $1 AND "offset" IS NULL`,
		group).Scan(&res.Unplaced); err != nil {
		return res, fmt.Errorf("stream: rewind %s: count inbox rows without a position: %w", group, err)
	}
	return res, nil
}

// ClearInbox deletes every inbox row of group in tx, including rows without a position,
// and returns how many: the first step of a full rebuild, after which every event is
// applied again (duplicates still once: the replay refills the inbox as it goes).
func ClearInbox(ctx context.Context, tx pgx.Tx, schema, group string) (int64, error) {
	if schema == "" || group == "" {
		return 0, errors.New("stream: clear inbox: schema and group are required")
	}
	tag, err := tx.Exec(ctx, `DELETE FROM `+pgx.Identifier{schema, "inbox"}.Sanitize()+` WHERE consumer_group = $1`, group)
	if err != nil {
		return 0, fmt.Errorf("stream: clear inbox of %s: %w", group, err)
	}
	return tag.RowsAffected(), nil
}

// lockBindings locks the group's rows of the given partitions and returns the logs of those
// that are bound to one.
func lockBindings(ctx context.Context, tx pgx.Tx, stored, group string, topics []string, partitions []int32) (map[topicPartition]LogID, error) {
	rows, err := tx.Query(ctx, `SELECT o.topic, o.partition, o.cluster_id, o.topic_id FROM `+stored+` AS o
JOIN unnest($2::text[], $3::int[]) AS u(t, p) ON o.topic = u.t AND o.partition = u.p
WHERE o.consumer_group = $1 AND o.cluster_id IS NOT NULL AND o.topic_id IS NOT NULL
ORDER BY o.topic, o.partition FOR UPDATE OF o`, group, topics, partitions)
	if err != nil {
		return nil, fmt.Errorf("lock stored offsets: %w", err)
	}
	out := map[topicPartition]LogID{}
	var tp topicPartition
	var l LogID
	_, err = pgx.ForEachRow(rows, []any{&tp.topic, &tp.partition, &l.Cluster, &l.Topic}, func() error {
		out[tp] = l
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lock stored offsets: %w", err)
	}
	return out, nil
}

// Querier runs a query: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// StoredOffsets returns group's next offsets stored in schema, by topic and partition:
// the offsets a member resumes from on assignment.
func StoredOffsets(ctx context.Context, q Querier, schema, group string) (map[string]map[int32]int64, error) {
	rows, err := q.Query(ctx, `SELECT topic, partition, next_offset FROM `+
		pgx.Identifier{schema, "consumer_offsets"}.Sanitize()+` WHERE consumer_group = $1`, group)
	if err != nil {
		return nil, fmt.Errorf("stream: load stored offsets of %s: %w", group, err)
	}
	out := map[string]map[int32]int64{}
	var p Position
	_, err = pgx.ForEachRow(rows, []any{&p.Topic, &p.Partition, &p.Offset}, func() error {
		if out[p.Topic] == nil {
			out[p.Topic] = map[int32]int64{}
		}
		out[p.Topic][p.Partition] = p.Offset
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stream: load stored offsets of %s: %w", group, err)
	}
	return out, nil
}

func checkPositions(schema, group string, to []Position) error {
	var errs []error
	if schema == "" {
		errs = append(errs, errors.New("schema is required"))
	}
	if group == "" {
		errs = append(errs, errors.New("group is required"))
	}
	seen := map[topicPartition]bool{}
	for _, p := range to {
		tp := topicPartition{p.Topic, p.Partition}
		switch {
		case p.Topic == "":
			errs = append(errs, fmt.Errorf("a position has no topic (partition %d)", p.Partition))
		case p.Partition < 0:
			errs = append(errs, fmt.Errorf("%s: partition %d is negative", p.Topic, p.Partition))
		case p.Offset < 0:
			errs = append(errs, fmt.Errorf("%s/%d: offset %d is negative", p.Topic, p.Partition, p.Offset))
		case seen[tp]:
			errs = append(errs, fmt.Errorf("%s/%d is given twice", p.Topic, p.Partition))
		}
		seen[tp] = true
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stream: rewind %s: %w", group, err)
	}
	return nil
}
