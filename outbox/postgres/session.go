package pgoutbox

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/outbox"
)

// session is leadership of one schema's outbox: a connection holding the advisory lock and
// listening on the channel. Every statement runs on it, so a leader whose session ended
// cannot fetch or delete (see the package doc).
type session struct {
	o     *Outbox
	conn  *pgx.Conn
	txnID string // see TransactionalID

	lost     chan struct{}
	lostOnce sync.Once

	fetchSQL, deleteSQL, aheadSQL, backlogSQL string
}

func newSession(o *Outbox, conn *pgx.Conn, database string) *session {
	return &session{
		o:         o,
		conn:      conn,
		txnID:     "novatrek-outbox/" + database + "/" + o.schema,
		lost:      make(chan struct{}),
		fetchSQL:  `SELECT id, topic, key, value, headers, created_at FROM ` + o.table + ` ORDER BY id LIMIT $1`,
		deleteSQL: `DELETE FROM ` + o.table + ` WHERE id = ANY($1)`,
		// The SELECT sees the rows as they were before the DELETE of the same statement;
		// every deleted id is at or below $2, so none of them is read. It reads nothing when
		// a row is visible in one of the id ranges at or below $2 that the relay does not
		// hold ($4 to $5, see gaps): one committed late. The check is one index probe per
		// range, run once (PostgreSQL plans the uncorrelated NOT EXISTS as a one-time filter).
		aheadSQL: `WITH gone AS (DELETE FROM ` + o.table + ` WHERE id = ANY($1))
SELECT id, topic, key, value, headers, created_at FROM ` + o.table + ` WHERE id > $2
  AND NOT EXISTS (SELECT FROM unnest($4::bigint[], $5::bigint[]) AS gap(lo, hi)
    WHERE EXISTS (SELECT FROM ` + o.table + ` WHERE id BETWEEN gap.lo AND gap.hi))
ORDER BY id LIMIT $3`,
		backlogSQL: `SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM ` + o.table,
	}
}

// TransactionalID names the outbox on a Kafka cluster for a fenced relay (outbox.Config.Fence):
// its database and schema, since advisory locks, and so leadership, are per database. That is
// not unique when two deployments share a Kafka cluster (staging beside production, a restored
// copy beside the original, both with the same database name): there each must set
// outbox.Config.TransactionalID, or their relays fence each other in turn.
func (s *session) TransactionalID() string { return s.txnID }

// Lost is closed once the connection holding the lock is gone.
func (s *session) Lost() <-chan struct{} { return s.lost }

// check marks the session lost when err closed the connection: with the session gone the
// server has released the lock, and a standby may already lead.
func (s *session) check(err error) error {
	if err != nil && s.conn.IsClosed() {
		s.lostOnce.Do(func() { close(s.lost) })
	}
	return err
}

// Wait blocks for a NOTIFY on the outbox channel, at most timeout. Notifications that arrived
// during the last batch (pgx buffers them) return at once: their rows came after that fetch.
func (s *session) Wait(ctx context.Context, timeout time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := s.conn.WaitForNotification(wctx)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case wctx.Err() != nil && !s.conn.IsClosed():
		return nil // the poll interval passed: the caller looks anyway
	default:
		return s.check(fmt.Errorf("pgoutbox: %s: wait for notification: %w", s.o.schema, err))
	}
}

// drainNotifications discards the notifications pgx already buffered: with a done context,
// WaitForNotification returns buffered ones and then fails without touching the network.
// Fetch calls it first: a notification we hold was sent after its transaction committed, so
// the fetch about to start sees that transaction's rows. A burst of commits thus costs one
// fetch, and the buffer cannot grow while a long backlog keeps the relay from waiting.
func (s *session) drainNotifications() {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for {
		if _, err := s.conn.WaitForNotification(done); err != nil {
			return
		}
	}
}

// Fetch reads the oldest rows in id order. Under READ COMMITTED it sees exactly the rows of
// committed transactions; rows of transactions still open are found by a later fetch.
func (s *session) Fetch(ctx context.Context, limit int) ([]outbox.Row, error) {
	s.drainNotifications()
	return s.query(ctx, limit, s.fetchSQL, limit)
}

// DeleteAndFetchAfter deletes published rows and reads the next ones after id in one
// statement, one round trip (the relay's pipelined path, see outbox.aheadFetcher).
func (s *session) DeleteAndFetchAfter(ctx context.Context, ids []int64, after int64, held []int64, limit int) ([]outbox.Row, error) {
	s.drainNotifications()
	if ids == nil {
		ids = []int64{} // a NULL array would make the DELETE's ANY unknown, not false
	}
	lo, hi, err := gaps(held, after)
	if err != nil {
		return nil, fmt.Errorf("pgoutbox: %s: fetch ahead: %w", s.o.schema, err)
	}
	return s.query(ctx, limit, s.aheadSQL, ids, after, limit, lo, hi)
}

// query runs a statement returning outbox rows and reads them.
func (s *session) query(ctx context.Context, limit int, sql string, args ...any) ([]outbox.Row, error) {
	rows, err := s.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, s.check(fmt.Errorf("pgoutbox: %s: fetch: %w", s.o.schema, err))
	}
	defer rows.Close()
	var out []outbox.Row // allocated at the first row: most fetches of an idle relay find none
	var topic string     // the previous row's: a batch's rows share a few topics, kept once
	var headers []byte   // declared once: scanning through a pointer moves it to the heap
	for rows.Next() {
		if out == nil {
			out = make([]outbox.Row, 0, limit)
		}
		// Scanned in place: a Row of its own would escape to the heap, one more per row.
		out = append(out, outbox.Row{})
		r := &out[len(out)-1]
		headers = nil // the row's headers point into this buffer: never let a scan reuse it
		if err := rows.Scan(&r.ID, nil, &r.Key, &r.Value, &headers, &r.CreatedAt); err != nil {
			return nil, s.check(fmt.Errorf("pgoutbox: %s: scan row: %w", s.o.schema, err))
		}
		// A text value's bytes are its UTF-8 in either wire format; comparing does not copy.
		if raw := rows.RawValues()[1]; string(raw) != topic {
			topic = string(raw)
		}
		r.Topic = topic
		if r.Headers, err = unmarshalHeaders(headers); err != nil {
			return nil, fmt.Errorf("pgoutbox: %s: row %d: %w", s.o.schema, r.ID, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.check(fmt.Errorf("pgoutbox: %s: fetch: %w", s.o.schema, err))
	}
	return out, nil
}

// Delete removes published rows by id.
func (s *session) Delete(ctx context.Context, ids []int64) error {
	if _, err := s.conn.Exec(ctx, s.deleteSQL, ids); err != nil {
		return s.check(fmt.Errorf("pgoutbox: %s: delete %d rows: %w", s.o.schema, len(ids), err))
	}
	return nil
}

// Backlog counts the rows and measures the oldest one's age with the server's clock.
func (s *session) Backlog(ctx context.Context) (outbox.Backlog, error) {
	var rows int64
	var age float64
	if err := s.conn.QueryRow(ctx, s.backlogSQL).Scan(&rows, &age); err != nil {
		return outbox.Backlog{}, s.check(fmt.Errorf("pgoutbox: %s: measure backlog: %w", s.o.schema, err))
	}
	return outbox.Backlog{Rows: rows, OldestAge: time.Duration(age * float64(time.Second))}, nil
}

// Close ends the session, which releases the lock and the LISTEN at once.
func (s *session) Close(ctx context.Context) error {
	err := s.conn.Close(ctx)
	s.lostOnce.Do(func() { close(s.lost) })
	if err != nil {
		return fmt.Errorf("pgoutbox: %s: close leader connection: %w", s.o.schema, err)
	}
	return nil
}
