package inapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/processors/notifications/provider"
)

// Name is the provider's name in results, errors and metrics.
const Name = "inapp"

// Store is the in-app inbox of one service schema. It is safe for concurrent use.
type Store struct {
	pool  *pgxpool.Pool
	table string // quoted, schema-qualified
}

var _ provider.Sender = (*Store)(nil)

// New returns the inbox in schema, whose table Migrations created. Names are quoted, so
// the pool's search_path does not matter.
func New(pool *pgxpool.Pool, schema string) (*Store, error) {
	if pool == nil {
		return nil, errors.New("inapp: nil pool")
	}
	if schema == "" {
		return nil, errors.New("inapp: empty schema name")
	}
	return &Store{pool: pool, table: pgx.Identifier{schema, "inapp_messages"}.Sanitize()}, nil
}

// Name returns "inapp".
func (s *Store) Name() string { return Name }

// Channel returns provider.InApp.
func (s *Store) Channel() provider.Channel { return provider.InApp }

// Send stores m in the inbox of m.To (our recipient id).
func (s *Store) Send(ctx context.Context, m provider.Message) (provider.Result, error) {
	return s.SendTx(ctx, s.pool, m)
}

// SendTx is Send inside the caller's transaction (or on any DB): the message appears in
// the inbox if and only if the caller commits.
func (s *Store) SendTx(ctx context.Context, db store.DB, m provider.Message) (provider.Result, error) {
	if m.ID == "" || strings.TrimSpace(m.To) == "" {
		return provider.Result{}, provider.Permanent(errors.New("inapp: message needs an ID and a recipient"))
	}
	data := m.Data
	if data == nil {
		data = map[string]string{}
	}
	dataJSON, err := json.Marshal(data)
	if err != nil {
		return provider.Result{}, provider.Permanent(fmt.Errorf("inapp: encode data: %w", err))
	}
	var (
		id      string
		created time.Time
	)
	err = db.QueryRow(ctx, `INSERT INTO `+s.table+` (ref, recipient, title, body, data, urgent)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (ref) DO NOTHING
		RETURNING id::text, created_at`,
		m.ID, m.To, m.Subject, m.Body, dataJSON, m.Urgent).Scan(&id, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		// Stored before (a redelivered job). Read it in a new statement: the INSERT's
		// snapshot may predate the row's commit.
		var recipient string
		err = db.QueryRow(ctx, `SELECT id::text, created_at, recipient FROM `+s.table+` WHERE ref = $1`, m.ID).
			Scan(&id, &created, &recipient)
		if err == nil && recipient != m.To {
			return provider.Result{}, provider.Permanent(fmt.Errorf("inapp: message %s was already stored for another recipient", m.ID))
		}
	}
	if err != nil {
		return provider.Result{}, classify(ctx, fmt.Errorf("inapp: store message %s: %w", m.ID, err))
	}
	return provider.Result{Provider: Name, ID: id, Status: string(provider.StatusDelivered), At: created}, nil
}

// classify: data and constraint errors (SQLSTATE classes 22 and 23) are permanent; the
// caller's cancellation passes through; anything else (connection lost, serialization
// failure, server shutting down) may heal.
func classify(ctx context.Context, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23")) {
		return provider.Permanent(err)
	}
	if ctx.Err() != nil {
		return err
	}
	return &provider.Retryable{Err: err}
}
