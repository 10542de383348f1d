package idempotency

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the idempotency_keys table as a migration set ("idempotency") to apply to
// the service's schema beside its own.
func Migrations() migrate.Set {
	sub, _ := fs.Sub(migrationFiles, "migrations")
	return migrate.Set{Name: "idempotency", FS: sub}
}

// Config configures a Keeper.
type Config struct {
	// Pool is the service's PostgreSQL pool. Required.
	Pool *pgxpool.Pool
	// Schema holds the idempotency_keys table (Migrations). Required.
	Schema string
	// Lease is how long a claimed key stays locked to its request; a retry after it may take
	// the key over. It must exceed the slowest request. Default 1 minute.
	Lease time.Duration
	// Retention is how long completed keys are kept and replayed. Default 24h.
	Retention time.Duration
	// Required makes Middleware refuse writes without an Idempotency-Key (400). Default
	// false: such requests run without protection.
	Required bool
	// Now is the clock leases are measured with; default time.Now. Tests move it forward to
	// expire a lease without waiting.
	Now func() time.Time
	// Logger receives store failures; default discard.
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultLease     = time.Minute
	DefaultRetention = 24 * time.Hour
	// MaxKeyLength is the longest key accepted (Stripe's limit).
	MaxKeyLength = 255
	// Header is the request header carrying the key.
	Header = "Idempotency-Key"
	// ReplayedHeader marks a replayed response.
	ReplayedHeader = "Idempotent-Replayed"
)

func (c *Config) setDefaults() {
	if c.Lease == 0 {
		c.Lease = DefaultLease
	}
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.Pool == nil {
		errs = append(errs, errors.New("Pool is required"))
	}
	if c.Schema == "" {
		errs = append(errs, errors.New("Schema is required"))
	}
	if c.Lease < 0 || c.Retention < 0 {
		errs = append(errs, errors.New("Lease and Retention must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("idempotency: invalid config: %w", err)
	}
	return nil
}

// Keeper stores idempotency keys in one service schema.
type Keeper struct {
	cfg   Config
	table string

	claimSQL, selectSQL, completeSQL, forgetSQL, pruneSQL string
}

// New checks cfg and returns a Keeper.
func New(cfg Config) (*Keeper, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	t := pgx.Identifier{cfg.Schema, "idempotency_keys"}.Sanitize()
	return &Keeper{
		cfg:   cfg,
		table: t,
		// Insert a new claim, or take over a key whose lease expired (or was released)
		// without a stored response, provided the request is the same. A returned row means
		// this request holds the key.
		claimSQL: `INSERT INTO ` + t + ` AS k (caller, key, request_hash, method, path, locked_until, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (caller, key) DO UPDATE SET locked_until = EXCLUDED.locked_until, attempts = k.attempts + 1
WHERE k.response_status IS NULL AND k.locked_until < $7 AND k.request_hash = EXCLUDED.request_hash
RETURNING k.attempts`,
		selectSQL: `SELECT request_hash, locked_until, response_status, response_headers, response_body
FROM ` + t + ` WHERE caller = $1 AND key = $2`,
		completeSQL: `UPDATE ` + t + ` SET response_status = $3, response_headers = $4, response_body = $5,
	locked_until = NULL, completed_at = now()
WHERE caller = $1 AND key = $2 AND response_status IS NULL`,
		// Only the claim's own attempt may forget the key: after a take-over, the old holder
		// must not delete the new holder's claim.
		forgetSQL: `DELETE FROM ` + t + `
WHERE caller = $1 AND key = $2 AND response_status IS NULL AND attempts = $3`,
		// Keys created before the retention that completed: unanswered claims are left to
		// their lease (and to forget).
		pruneSQL: `DELETE FROM ` + t + ` WHERE ctid = ANY(ARRAY(
	SELECT ctid FROM ` + t + ` WHERE created_at < $1 AND completed_at IS NOT NULL LIMIT $2))`,
	}, nil
}

// Response is a stored response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// storedHeaders are the response headers kept for a replay.
var storedHeaders = []string{"Content-Type", "Location", "Cache-Control"}

func marshalHeaders(h http.Header) []byte {
	m := map[string]string{}
	for _, k := range storedHeaders {
		if v := h.Get(k); v != "" {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return b
}

func unmarshalHeaders(b []byte) http.Header {
	m := map[string]string{}
	_ = json.Unmarshal(b, &m)
	h := http.Header{}
	for k, v := range m {
		h.Set(k, v)
	}
	return h
}

// outcome of a claim attempt.
type outcome int

const (
	acquired   outcome = iota // this request holds the key
	replay                    // a response is stored: replay it
	mismatch                  // the key was used for a different request
	inProgress                // another request holds the key
)

// claim tries to take the key for a request with fingerprint fp. When acquired, attempts
// numbers this claim of the key.
func (k *Keeper) claim(ctx context.Context, caller, key string, fp []byte, method, path string) (out outcome, stored *Response, attempts int, err error) {
	now := k.cfg.Now()
	for range 3 { // a row deleted by pruning between our statements: try again
		err := k.cfg.Pool.QueryRow(ctx, k.claimSQL, caller, key, fp, method, path, now.Add(k.cfg.Lease), now).Scan(&attempts)
		if err == nil {
			return acquired, nil, attempts, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, nil, 0, fmt.Errorf("idempotency: claim key: %w", err)
		}
		out, stored, found, err := k.existing(ctx, caller, key, fp)
		if err != nil {
			return 0, nil, 0, err
		}
		if found {
			return out, stored, 0, nil
		}
	}
	return 0, nil, 0, errors.New("idempotency: claim key: the key kept disappearing")
}

// existing reads the key's row, found false when there is none: what a request with
// fingerprint fp gets then (mismatch, replay of the stored response, or in progress).
func (k *Keeper) existing(ctx context.Context, caller, key string, fp []byte) (out outcome, stored *Response, found bool, err error) {
	var (
		hash    []byte
		until   *time.Time
		status  *int
		headers []byte
		body    []byte
	)
	err = k.cfg.Pool.QueryRow(ctx, k.selectSQL, caller, key).Scan(&hash, &until, &status, &headers, &body)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, nil, false, nil
	case err != nil:
		return 0, nil, false, fmt.Errorf("idempotency: read key: %w", err)
	case string(hash) != string(fp):
		return mismatch, nil, true, nil
	case status != nil:
		return replay, &Response{Status: *status, Header: unmarshalHeaders(headers), Body: body}, true, nil
	}
	return inProgress, nil, true, nil
}

// complete stores resp as the key's final response (outside any transaction).
func (k *Keeper) complete(ctx context.Context, caller, key string, resp Response) error {
	if _, err := k.cfg.Pool.Exec(ctx, k.completeSQL, caller, key, resp.Status, marshalHeaders(resp.Header), resp.Body); err != nil {
		return fmt.Errorf("idempotency: store response: %w", err)
	}
	return nil
}

// forget deletes an unanswered claim, so the next request with the key runs as new.
func (k *Keeper) forget(ctx context.Context, caller, key string, attempts int) error {
	if _, err := k.cfg.Pool.Exec(ctx, k.forgetSQL, caller, key, attempts); err != nil {
		return fmt.Errorf("idempotency: forget key: %w", err)
	}
	return nil
}

// Prune deletes up to limit completed keys created before the retention and returns how
// many.
func (k *Keeper) Prune(ctx context.Context, limit int) (int64, error) {
	tag, err := k.cfg.Pool.Exec(ctx, k.pruneSQL, k.cfg.Now().Add(-k.cfg.Retention), limit)
	if err != nil {
		return 0, fmt.Errorf("idempotency: prune keys: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Run prunes expired keys every interval (default 10 minutes when 0) until ctx ends.
func (k *Keeper) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = 10 * time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			n, err := k.Prune(ctx, 5000)
			if err != nil {
				if ctx.Err() == nil {
					k.cfg.Logger.WarnContext(ctx, "pruning idempotency keys failed", "err", err)
				}
				break
			}
			if n < 5000 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
