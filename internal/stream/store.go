package stream

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// store holds the runtime's SQL on the service schema's inbox and consumer_offsets tables.
type store struct {
	pool         *pgxpool.Pool
	group        string
	claimSQL     string
	fastClaimSQL string
	loadSQL      string
	pruneSQL     string
}

func newStore(pool *pgxpool.Pool, schema, group string) *store {
	inbox := pgx.Identifier{schema, "inbox"}.Sanitize()
	offsets := pgx.Identifier{schema, "consumer_offsets"}.Sanitize()
	return &store{
		pool:  pool,
		group: group,
		// One round trip per batch: move the partition's offset forward and claim the
		// batch's event ids. Two members that both believe they own the partition (a
		// zombie after a lost session) conflict on the offsets row and the ids, so one
		// waits for the other; GREATEST keeps the slower one from moving the offset back.
		// RETURNING lists only ids not seen before: those are the events to handle. Each
		// row records the offset it was applied at (see Rewind); of two copies of an id in
		// one batch, the first in offset order is inserted (unnest keeps array order) and
		// is the one handled.
		claimSQL: moveOffset(offsets) + `
INSERT INTO ` + inbox + ` (consumer_group, event_id, topic, "partition", "offset")
SELECT $1, e, $2, $3, o FROM unnest($5::uuid[], $6::bigint[]) AS u(e, o)
ON CONFLICT DO NOTHING
RETURNING event_id`,
		// The optimistic twin: a plain insert, a third cheaper than ON CONFLICT's
		// speculative insertion, that fails with unique_violation if any id is known —
		// rare enough (relay retries, redeliveries) to redo those batches the slow way.
		fastClaimSQL: moveOffset(offsets) + `
INSERT INTO ` + inbox + ` (consumer_group, event_id, topic, "partition", "offset")
SELECT $1, e, $2, $3, o FROM unnest($5::uuid[], $6::bigint[]) AS u(e, o)`,
		loadSQL: `SELECT topic, partition, next_offset, coalesce(replay_until, 0) FROM ` + offsets + `
WHERE consumer_group = $1 AND topic = ANY($2)`,
		pruneSQL: `DELETE FROM ` + inbox + ` WHERE ctid = ANY(ARRAY(
	SELECT ctid FROM ` + inbox + `
	WHERE consumer_group = $1 AND handled_at < now() - make_interval(secs => $2)
	LIMIT $3))`,
	}
}

// moveOffset is the CTE that moves a partition's stored offset forward.
func moveOffset(offsets string) string {
	return `WITH moved AS (
	INSERT INTO ` + offsets + ` AS o (consumer_group, topic, partition, next_offset)
	VALUES ($1, $2, $3, $4)
	ON CONFLICT (consumer_group, topic, partition)
	DO UPDATE SET next_offset = GREATEST(o.next_offset, EXCLUDED.next_offset), updated_at = now()
)`
}

// errKnownID is fastClaim's unique violation: some id of the batch is in the inbox
// already (or twice in the batch), and the transaction is aborted.
var errKnownID = errors.New("an event id of the batch is in the inbox already")

// fastClaim is claim for a batch expected to hold only new ids: it inserts them all, or
// fails with errKnownID and leaves the transaction to be rolled back.
func (s *store) fastClaim(ctx context.Context, tx pgx.Tx, topic string, partition int32, next int64, ids [][16]byte, offs []int64) error {
	_, err := tx.Exec(ctx, s.fastClaimSQL, s.group, topic, partition, next, ids, offs)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return errKnownID
	}
	if err != nil {
		return fmt.Errorf("claim inbox ids and offset: %w", err)
	}
	return nil
}

// claim moves (topic, partition)'s stored offset to at least next and inserts ids, each
// with its offset (offs[i] is ids[i]'s), into the inbox; fresh receives the ids that were
// not there (each once).
func (s *store) claim(ctx context.Context, tx pgx.Tx, topic string, partition int32, next int64, ids [][16]byte, offs []int64, fresh map[[16]byte]struct{}) error {
	rows, err := tx.Query(ctx, s.claimSQL, s.group, topic, partition, next, ids, offs)
	if err != nil {
		return fmt.Errorf("claim inbox ids and offset: %w", err)
	}
	defer rows.Close()
	var id [16]byte
	for rows.Next() {
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("scan claimed inbox id: %w", err)
		}
		fresh[id] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("claim inbox ids and offset: %w", err)
	}
	return nil
}

// storedOffset is a partition's row in consumer_offsets.
type storedOffset struct {
	next        int64 // the next offset to handle
	replayUntil int64 // records below it are replays (see Event.Replay); 0 if never rewound
}

// offsets returns the stored offsets of the group's partitions of topics.
func (s *store) offsets(ctx context.Context, topics []string) (map[topicPartition]storedOffset, error) {
	rows, err := s.pool.Query(ctx, s.loadSQL, s.group, topics)
	if err != nil {
		return nil, fmt.Errorf("load stored offsets: %w", err)
	}
	defer rows.Close()
	out := map[topicPartition]storedOffset{}
	var (
		tp topicPartition
		so storedOffset
	)
	for rows.Next() {
		if err := rows.Scan(&tp.topic, &tp.partition, &so.next, &so.replayUntil); err != nil {
			return nil, fmt.Errorf("scan stored offset: %w", err)
		}
		out[tp] = so
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load stored offsets: %w", err)
	}
	return out, nil
}

// prune deletes up to limit inbox rows older than retention and returns how many it deleted.
func (s *store) prune(ctx context.Context, retentionSeconds float64, limit int) (int64, error) {
	tag, err := s.pool.Exec(ctx, s.pruneSQL, s.group, retentionSeconds, limit)
	if err != nil {
		return 0, fmt.Errorf("prune inbox: %w", err)
	}
	return tag.RowsAffected(), nil
}
