package inapp

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Item is one message of an inbox.
type Item struct {
	ID        string            `json:"id"`
	Ref       string            `json:"ref"`
	Recipient string            `json:"recipient"`
	Title     string            `json:"title"`
	Body      string            `json:"body"`
	Data      map[string]string `json:"data"`
	Urgent    bool              `json:"urgent"`
	CreatedAt time.Time         `json:"created_at"`
	ReadAt    *time.Time        `json:"read_at,omitempty"`
}

// Limits of an inbox page.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Query selects an inbox page.
type Query struct {
	// Limit is the page size; default DefaultPageSize, at most MaxPageSize.
	Limit int
	// After is the Next cursor of the previous page; empty for the newest messages.
	After string
	// UnreadOnly leaves out messages already read.
	UnreadOnly bool
}

// Page is one page of an inbox, newest first.
type Page struct {
	Items []Item `json:"items"`
	// Next is the cursor of the following (older) page; empty on the last page.
	Next string `json:"next,omitempty"`
	// Unread counts the recipient's unread messages (all of them, not just this page).
	Unread int `json:"unread"`
}

// ErrBadCursor means Query.After is not a cursor this package issued.
var ErrBadCursor = errors.New("inapp: malformed inbox cursor")

// Inbox returns a page of recipient's inbox.
func (s *Store) Inbox(ctx context.Context, recipient string, q Query) (Page, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	afterAt, afterID := time.Time{}, uuid.Nil
	hasCursor := q.After != ""
	if hasCursor {
		var err error
		if afterAt, afterID, err = decodeCursor(q.After); err != nil {
			return Page{}, err
		}
	}
	rows, err := s.pool.Query(ctx, `SELECT id, ref, recipient, title, body, data, urgent, created_at, read_at
		FROM `+s.table+`
		WHERE recipient = $1
		  AND (NOT $2 OR (created_at, id) < ($3, $4))
		  AND (NOT $5 OR read_at IS NULL)
		ORDER BY created_at DESC, id DESC
		LIMIT $6`,
		recipient, hasCursor, afterAt, afterID, q.UnreadOnly, limit+1)
	if err != nil {
		return Page{}, fmt.Errorf("inapp: read inbox: %w", err)
	}
	defer rows.Close()
	var page Page
	ids := make([]uuid.UUID, 0, limit+1)
	for rows.Next() {
		var (
			it   Item
			id   uuid.UUID
			data []byte
		)
		if err := rows.Scan(&id, &it.Ref, &it.Recipient, &it.Title, &it.Body, &data, &it.Urgent, &it.CreatedAt, &it.ReadAt); err != nil {
			return Page{}, fmt.Errorf("inapp: scan inbox row: %w", err)
		}
		if err := json.Unmarshal(data, &it.Data); err != nil {
			return Page{}, fmt.Errorf("inapp: decode data of %s: %w", id, err)
		}
		it.ID = id.String()
		page.Items = append(page.Items, it)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("inapp: read inbox: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.Next = encodeCursor(last.CreatedAt, ids[limit-1])
	}
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM `+s.table+` WHERE recipient = $1 AND read_at IS NULL`,
		recipient).Scan(&page.Unread); err != nil {
		return Page{}, fmt.Errorf("inapp: count unread: %w", err)
	}
	return page, nil
}

// MarkRead marks message id of recipient read. It reports false when recipient has no
// such message (so a caller cannot mark another recipient's message); marking a read
// message again keeps its first read time and reports true.
func (s *Store) MarkRead(ctx context.Context, recipient, id string) (bool, error) {
	uid, err := uuid.Parse(id)
	if err != nil {
		return false, nil
	}
	tag, err := s.pool.Exec(ctx, `UPDATE `+s.table+` SET read_at = coalesce(read_at, clock_timestamp())
		WHERE id = $1 AND recipient = $2`, uid, recipient)
	if err != nil {
		return false, fmt.Errorf("inapp: mark %s read: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// A cursor is base64url of created_at in Unix microseconds (PostgreSQL's precision)
// followed by the row's uuid.
func encodeCursor(at time.Time, id uuid.UUID) string {
	b := make([]byte, 8, 24)
	binary.BigEndian.PutUint64(b, uint64(at.UnixMicro()))
	b = append(b, id[:]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (time.Time, uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 24 {
		return time.Time{}, uuid.Nil, ErrBadCursor
	}
	id, err := uuid.FromBytes(b[8:])
	if err != nil {
		return time.Time{}, uuid.Nil, ErrBadCursor
	}
	return time.UnixMicro(int64(binary.BigEndian.Uint64(b[:8]))), id, nil
}
