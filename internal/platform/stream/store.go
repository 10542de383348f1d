package stream

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// store holds the runtime's SQL on the service schema's inbox and consumer_offsets tables.
type store struct {
	pool         *pgxpool.Pool
	group        string
	claimSQL     string
	fastClaimSQL string
	moveSQL      string
	loadSQL      string
	pruneSQL     string
	refuseSQL    string
	acceptSQL    string
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
		// waits for the other; GREATEST keeps the slower one from moving the offset back
		// within one log (see moveOffset for a new log).
		// RETURNING lists only ids not seen before: those are the events to handle. Each
		// row records the offset it was applied at (see Rewind); of two copies of an id in
		// one batch, the first in offset order is inserted (unnest keeps array order) and
		// is the one handled.
		claimSQL: moveOffset(offsets, "$7", "$8") + `
INSERT INTO ` + inbox + ` (consumer_group, event_id, topic, "partition", "offset")
SELECT $1, e, $2, $3, o FROM unnest($5::uuid[], $6::bigint[]) AS u(e, o)
ON CONFLICT DO NOTHING
RETURNING event_id`,
		// The optimistic twin: a plain insert, a third cheaper than ON CONFLICT's
		// speculative insertion, that fails with unique_violation if any id is known —
		// rare enough (relay retries, redeliveries) to redo those batches the slow way.
		fastClaimSQL: moveOffset(offsets, "$7", "$8") + `
INSERT INTO ` + inbox + ` (consumer_group, event_id, topic, "partition", "offset")
SELECT $1, e, $2, $3, o FROM unnest($5::uuid[], $6::bigint[]) AS u(e, o)`,
		// An event-keyed CopyBatch route's claim: the offset alone (its table's key is the inbox).
		moveSQL: moveOffset(offsets, "$5", "$6") + ` SELECT`,
		loadSQL: `SELECT topic, partition, next_offset, coalesce(replay_until, 0), coalesce(cluster_id, ''), topic_id FROM ` + offsets + `
WHERE consumer_group = $1 AND topic = ANY($2)`,
		refuseSQL: `UPDATE ` + offsets + ` SET refused = $4, updated_at = now()
WHERE consumer_group = $1 AND topic = $2 AND partition = $3`,
		// Binds an unbound row to the log it was accepted for, lifts a refusal, and moves an
		// offset below the log start up to it, so the next assignment finds nothing to say.
		acceptSQL: `UPDATE ` + offsets + ` SET cluster_id = $4, topic_id = $5, refused = NULL,
	next_offset = GREATEST(next_offset, $6), updated_at = now()
WHERE consumer_group = $1 AND topic = $2 AND partition = $3
	AND (cluster_id IS NULL OR refused IS NOT NULL OR next_offset < $6)`,
		pruneSQL: `DELETE FROM ` + inbox + ` WHERE ctid = ANY(ARRAY(
	SELECT ctid FROM ` + inbox + `
	WHERE consumer_group = $1 AND handled_at < now() - make_interval(secs => $2)
	LIMIT $3))`,
	}
}

// moveOffset is the CTE that moves a partition's stored offset forward ($1 group, $2 topic,
// $3 partition, $4 next offset) and binds it to the log (the cluster id and topic id
// parameters) it was applied from. GREATEST applies within one log
// only: an offset of another log is replaced, not compared, so a stored offset never keeps
// growing from a stale log and skips records of the new one on a later restart.
func moveOffset(offsets, cluster, topicID string) string {
	return `WITH moved AS (
	INSERT INTO ` + offsets + ` AS o (consumer_group, topic, partition, next_offset, cluster_id, topic_id)
	VALUES ($1, $2, $3, $4, ` + cluster + `, ` + topicID + `)
	ON CONFLICT (consumer_group, topic, partition)
	DO UPDATE SET next_offset = CASE
			WHEN o.cluster_id = EXCLUDED.cluster_id AND o.topic_id = EXCLUDED.topic_id
			THEN GREATEST(o.next_offset, EXCLUDED.next_offset) ELSE EXCLUDED.next_offset END,
		cluster_id = EXCLUDED.cluster_id, topic_id = EXCLUDED.topic_id, updated_at = now()
)`
}

// errKnownID is fastClaim's unique violation: some id of the batch is in the inbox
// already (or twice in the batch), and the transaction is aborted. A CopyBatch route with
// OnConflict returns it too when its COPY meets a taken key: either way the batch is redone
// the slow way.
var errKnownID = errors.New("an event id of the batch is in the inbox already")

// fastClaim is claim for a batch expected to hold only new ids: it inserts them all, or
// fails with errKnownID and leaves the transaction to be rolled back.
func (s *store) fastClaim(ctx context.Context, tx pgx.Tx, topic string, partition int32, log LogID, next int64, ids [][16]byte, offs []int64) error {
	_, err := tx.Exec(ctx, s.fastClaimSQL, s.claimArgs(topic, partition, log, next, ids, offs)...)
	return fastClaimed(err)
}

// claimArgs are the arguments of claimSQL and fastClaimSQL.
func (s *store) claimArgs(topic string, partition int32, log LogID, next int64, ids [][16]byte, offs []int64) []any {
	return []any{s.group, topic, partition, next, ids, offs, log.Cluster, log.Topic}
}

// queueClaim queues the claim (fast: the optimistic one) on b, for a transaction that
// begins in the same round trip (see worker.beginClaiming); readClaim reads its result.
func (s *store) queueClaim(b *pgx.Batch, fast bool, topic string, partition int32, log LogID, next int64, ids [][16]byte, offs []int64) {
	sql := s.claimSQL
	if fast {
		sql = s.fastClaimSQL
	}
	b.Queue(sql, s.claimArgs(topic, partition, log, next, ids, offs)...)
}

// readClaim reads the result of a claim queued by queueClaim: as fastClaim when fast, as
// claim otherwise.
func readClaim(br pgx.BatchResults, fast bool, fresh map[[16]byte]struct{}) error {
	if fast {
		_, err := br.Exec()
		return fastClaimed(err)
	}
	rows, err := br.Query()
	return scanClaimed(rows, err, fresh)
}

// fastClaimed maps the optimistic claim's unique violation to errKnownID.
func fastClaimed(err error) error {
	if uniqueViolation(err) {
		return errKnownID
	}
	if err != nil {
		return fmt.Errorf("claim inbox ids and offset: %w", err)
	}
	return nil
}

// moveTo is the claim of a batch whose projection is keyed by the event id: it moves
// (topic, partition)'s stored offset in log to at least next and claims no inbox ids.
func (s *store) moveTo(ctx context.Context, tx pgx.Tx, topic string, partition int32, log LogID, next int64) error {
	if _, err := tx.Exec(ctx, s.moveSQL, s.group, topic, partition, next, log.Cluster, log.Topic); err != nil {
		return fmt.Errorf("move the stored offset: %w", err)
	}
	return nil
}

// uniqueViolation reports a PostgreSQL unique_violation.
func uniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// claim moves (topic, partition)'s stored offset in log to at least next and inserts ids, each
// with its offset (offs[i] is ids[i]'s), into the inbox; fresh receives the ids that were
// not there (each once).
func (s *store) claim(ctx context.Context, tx pgx.Tx, topic string, partition int32, log LogID, next int64, ids [][16]byte, offs []int64, fresh map[[16]byte]struct{}) error {
	rows, err := tx.Query(ctx, s.claimSQL, s.claimArgs(topic, partition, log, next, ids, offs)...)
	return scanClaimed(rows, err, fresh)
}

// scanClaimed adds the ids a claim returned (those not seen before) to fresh.
func scanClaimed(rows pgx.Rows, err error, fresh map[[16]byte]struct{}) error {
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
	log         LogID // the log next is an offset of; zero if stored before offsets were bound
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
		tp      topicPartition
		so      storedOffset
		topicID pgtype.UUID
	)
	for rows.Next() {
		if err := rows.Scan(&tp.topic, &tp.partition, &so.next, &so.replayUntil, &so.log.Cluster, &topicID); err != nil {
			return nil, fmt.Errorf("scan stored offset: %w", err)
		}
		so.log.Topic = topicID.Bytes // zero when NULL
		out[tp] = so
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load stored offsets: %w", err)
	}
	return out, nil
}

// refuse records why the partition is not consumed, for `novatrek groups describe`.
func (s *store) refuse(ctx context.Context, tp topicPartition, reason string) error {
	if _, err := s.pool.Exec(ctx, s.refuseSQL, s.group, tp.topic, tp.partition, reason); err != nil {
		return fmt.Errorf("record the refusal of %s/%d: %w", tp.topic, tp.partition, err)
	}
	return nil
}

// accept binds the partition's row to log, clears a refusal and raises an offset below
// start to it; a row with nothing to change is left alone (no write).
func (s *store) accept(ctx context.Context, tp topicPartition, log LogID, start int64) error {
	if _, err := s.pool.Exec(ctx, s.acceptSQL, s.group, tp.topic, tp.partition, log.Cluster, log.Topic, start); err != nil {
		return fmt.Errorf("bind the stored offset of %s/%d to its log: %w", tp.topic, tp.partition, err)
	}
	return nil
}

// prune deletes up to limit inbox rows older than retention and returns how many it deleted.
func (s *store) prune(ctx context.Context, retentionSeconds float64, limit int) (int64, error) {
	tag, err := s.pool.Exec(ctx, s.pruneSQL, s.group, retentionSeconds, limit)
	if err != nil {
		return 0, fmt.Errorf("prune inbox: %w", err)
	}
	return tag.RowsAffected(), nil
}
