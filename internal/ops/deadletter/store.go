package deadletter

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/migrate"
)

// DefaultSchema is the PostgreSQL schema of the re-drive records: operations data that
// belongs to no service.
const DefaultSchema = "novatrek_ops"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the redrives table as the migration set "deadletter".
func Migrations() migrate.Set {
	sub, _ := fs.Sub(migrationFiles, "migrations") // fails only for an invalid path literal
	return migrate.Set{Name: "deadletter", FS: sub}
}

// Migrate creates or updates the redrives table in schema ("" means DefaultSchema).
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	if schema == "" {
		schema = DefaultSchema
	}
	if _, err := migrate.Apply(ctx, pool, schema, Migrations()); err != nil {
		return fmt.Errorf("deadletter: migrate %s: %w", schema, err)
	}
	return nil
}

// Record is one row of the redrives table.
type Record struct {
	RedriveID  string    `json:"redrive_id"`
	Group      string    `json:"group"`
	DeadLetter Position  `json:"dead_letter"`
	Source     Position  `json:"source"`
	Target     Position  `json:"target"` // Offset -1 until acknowledged
	EventID    string    `json:"event_id,omitempty"`
	Reason     string    `json:"reason"`
	Kind       string    `json:"kind"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
	Note       string    `json:"note,omitempty"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
}

// Record statuses.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
)

// Store reads and writes re-drive records in one schema.
type Store struct {
	pool   *pgxpool.Pool
	schema string
	table  string
}

// NewStore returns the store of schema (migrated with Migrate; "" means DefaultSchema).
func NewStore(pool *pgxpool.Pool, schema string) *Store {
	if schema == "" {
		schema = DefaultSchema
	}
	return &Store{pool: pool, schema: schema, table: pgx.Identifier{schema, "redrives"}.Sanitize()}
}

const recordColumns = `redrive_id::text, consumer_group, dlq_topic, dlq_partition, dlq_offset,
	source_topic, source_partition, source_offset, target_topic, target_partition,
	coalesce(target_offset, -1), coalesce(event_id, ''), reason, error_kind, redriven_by,
	redriven_at, note, status, coalesce(error, '')`

func scanRecord(row pgx.CollectableRow) (Record, error) {
	var r Record
	err := row.Scan(&r.RedriveID, &r.Group, &r.DeadLetter.Topic, &r.DeadLetter.Partition, &r.DeadLetter.Offset,
		&r.Source.Topic, &r.Source.Partition, &r.Source.Offset, &r.Target.Topic, &r.Target.Partition,
		&r.Target.Offset, &r.EventID, &r.Reason, &r.Kind, &r.By, &r.At, &r.Note, &r.Status, &r.Error)
	return r, err
}

// exists says whether the redrives table is there; a dry run on a database that never saw
// a re-drive must not create it.
func (s *Store) exists(ctx context.Context) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, s.table).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("looking for table %s: %w", s.table, err)
	}
	return ok, nil
}

// Sent returns, per dead-letter position of topic, the latest pending or sent record: the
// dead letters that were already re-driven.
func (s *Store) Sent(ctx context.Context, topic string) (map[Position]Record, error) {
	ok, err := s.exists(ctx)
	if err != nil || !ok {
		return map[Position]Record{}, err
	}
	return s.sent(ctx, s.pool, topic)
}

func (s *Store) sent(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, topic string) (map[Position]Record, error) {
	rows, err := q.Query(ctx, `SELECT `+recordColumns+` FROM `+s.table+`
WHERE dlq_topic = $1 AND status IN ('pending', 'sent') ORDER BY redriven_at`, topic)
	if err != nil {
		return nil, fmt.Errorf("reading re-drives of %s: %w", topic, err)
	}
	recs, err := pgx.CollectRows(rows, scanRecord)
	if err != nil {
		return nil, fmt.Errorf("reading re-drives of %s: %w", topic, err)
	}
	out := make(map[Position]Record, len(recs))
	for _, r := range recs {
		out[r.DeadLetter] = r // ordered by time: the latest wins
	}
	return out, nil
}

// History returns the records of group, newest first, at most limit (0: all).
func (s *Store) History(ctx context.Context, group string, limit int) ([]Record, error) {
	ok, err := s.exists(ctx)
	if err != nil || !ok {
		return nil, err
	}
	q := `SELECT ` + recordColumns + ` FROM ` + s.table + ` WHERE consumer_group = $1 ORDER BY redriven_at DESC, dlq_partition, dlq_offset`
	args := []any{group}
	if limit > 0 {
		q += ` LIMIT $2`
		args = append(args, limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading re-drives of %s: %w", group, err)
	}
	recs, err := pgx.CollectRows(rows, scanRecord)
	if err != nil {
		return nil, fmt.Errorf("reading re-drives of %s: %w", group, err)
	}
	return recs, nil
}

// claim records recs as pending, unless again is false and a dead letter was already
// re-driven: under a transaction-scoped lock on the dead-letter topic, so two re-drives run
// at once cannot both claim the same dead letter. It returns the records it inserted and,
// for the skipped dead letters, the earlier record that made it skip.
func (s *Store) claim(ctx context.Context, topic string, recs []Record, again bool) (claimed, skipped []Record, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('novatrek.dlq.redrive'), hashtext($1))`, topic); err != nil {
			return fmt.Errorf("locking re-drives of %s: %w", topic, err)
		}
		done, err := s.sent(ctx, tx, topic)
		if err != nil {
			return err
		}
		claimed, skipped = claimed[:0], skipped[:0]
		for _, r := range recs {
			if prev, ok := done[r.DeadLetter]; ok && !again {
				skipped = append(skipped, prev)
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO `+s.table+` (redrive_id, consumer_group, dlq_topic,
	dlq_partition, dlq_offset, source_topic, source_partition, source_offset, target_topic,
	target_partition, event_id, reason, error_kind, redriven_by, redriven_at, note, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, nullif($11, ''), $12, $13, $14, $15, $16, 'pending')`,
				r.RedriveID, r.Group, r.DeadLetter.Topic, r.DeadLetter.Partition, r.DeadLetter.Offset,
				r.Source.Topic, r.Source.Partition, r.Source.Offset, r.Target.Topic, r.Target.Partition,
				r.EventID, r.Reason, r.Kind, r.By, r.At, r.Note); err != nil {
				return fmt.Errorf("recording the re-drive of %s: %w", r.DeadLetter, err)
			}
			r.Status = StatusPending
			claimed = append(claimed, r)
		}
		return nil
	})
	return claimed, skipped, err
}

// finish records r's outcome: sent at its target offset, failed with its error, or still
// pending with an error saying why the outcome is unknown.
func (s *Store) finish(ctx context.Context, r Record) error {
	_, err := s.pool.Exec(ctx, `UPDATE `+s.table+` SET status = $1, target_offset = nullif($2, -1), error = nullif($3, '')
WHERE redrive_id = $4 AND dlq_topic = $5 AND dlq_partition = $6 AND dlq_offset = $7`,
		r.Status, r.Target.Offset, r.Error, r.RedriveID, r.DeadLetter.Topic, r.DeadLetter.Partition, r.DeadLetter.Offset)
	if err != nil {
		return fmt.Errorf("recording the outcome of the re-drive of %s: %w", r.DeadLetter, err)
	}
	return nil
}
