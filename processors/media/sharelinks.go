package media

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/problem"
)

// shareRequest creates a link to an album or to one item.
type shareRequest struct {
	AlbumID   string `json:"album_id,omitempty"`
	AssetID   string `json:"asset_id,omitempty"`
	CreatedBy string `json:"created_by"`
	// ExpiresInSeconds is the link's life, at most MEDIA_SHARE_LINK_MAX_TTL.
	ExpiresInSeconds int64  `json:"expires_in_seconds"`
	Password         string `json:"password,omitempty"`
}

// shareLink is a created link. Token is shown once: only its hash is stored.
type shareLink struct {
	LinkID    string    `json:"link_id"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (a *app) createShareLink(ctx context.Context, req shareRequest) (*shareLink, error) {
	var fields []problem.FieldError
	var album, asset *uuid.UUID
	parse := func(field, v string) *uuid.UUID {
		if v == "" {
			return nil
		}
		id, err := uuid.Parse(v)
		if err != nil {
			fields = append(fields, problem.FieldError{Field: field, Reason: "must be a UUID"})
			return nil
		}
		return &id
	}
	album, asset = parse("album_id", req.AlbumID), parse("asset_id", req.AssetID)
	if (req.AlbumID == "") == (req.AssetID == "") {
		fields = append(fields, problem.FieldError{Field: "album_id", Reason: "give exactly one of album_id and asset_id"})
	}
	if req.CreatedBy == "" || len(req.CreatedBy) > 100 {
		fields = append(fields, problem.FieldError{Field: "created_by", Reason: "must be the sharer's id, 1 to 100 characters"})
	}
	ttl := time.Duration(req.ExpiresInSeconds) * time.Second
	if req.ExpiresInSeconds <= 0 || ttl > a.cfg.ShareLinkMaxTTL {
		fields = append(fields, problem.FieldError{Field: "expires_in_seconds", Reason: fmt.Sprintf("must be 1 to %.0f", a.cfg.ShareLinkMaxTTL.Seconds())})
	}
	if len(req.Password) > 72 { // bcrypt reads 72 bytes; a longer one would be silently cut
		fields = append(fields, problem.FieldError{Field: "password", Reason: "must be at most 72 bytes"})
	}
	if len(fields) > 0 {
		return nil, fault.Invalid("The share link request is invalid.").With("errors", fields)
	}
	var hash *string
	if req.Password != "" {
		h, err := bcrypt.GenerateFromPassword([]byte(req.Password), bcrypt.DefaultCost)
		if err != nil {
			return nil, fmt.Errorf("hash share link password: %w", err)
		}
		s := string(h)
		hash = &s
	}
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	link := &shareLink{LinkID: uuid.NewString(), Token: token, ExpiresAt: a.now().Add(ttl).UTC().Truncate(time.Second)}
	tag, err := a.db.Exec(ctx, `INSERT INTO media.share_links (link_id, token_hash, album_id, asset_id, password_hash, expires_at, created_by, created_at)
SELECT $1, $2, $3, $4, $5, $6, $7, $8
WHERE ($3::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM media.albums WHERE album_id = $3))
   OR ($4::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM media.media_items WHERE asset_id = $4 AND state = 'ready'))`,
		link.LinkID, sum[:], album, asset, hash, link.ExpiresAt, req.CreatedBy, a.now())
	if err != nil {
		return nil, fmt.Errorf("create share link: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return nil, fault.NotFound("No such album, or no such ready media item.")
	}
	return link, nil
}

// revokeShareLink ends a link for good; revoking twice is the same as once.
func (a *app) revokeShareLink(ctx context.Context, id uuid.UUID) error {
	tag, err := a.db.Exec(ctx, `UPDATE media.share_links SET revoked_at = COALESCE(revoked_at, $2) WHERE link_id = $1`, id, a.now())
	if err != nil {
		return fmt.Errorf("revoke share link %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fault.NotFound(fmt.Sprintf("No share link %s.", id))
	}
	return nil
}

// openShareLink is what a link shows: the ready items it covers. A revoked or expired link
// is 410 Gone; a password-protected one needs its password (403 otherwise, the same answer
// for missing and wrong, so it cannot be probed).
func (a *app) openShareLink(ctx context.Context, token, password string) ([]*item, error) {
	sum := sha256.Sum256([]byte(token))
	var album, asset *uuid.UUID
	var hash *string
	var expires time.Time
	var revoked *time.Time
	err := a.db.QueryRow(ctx, `SELECT album_id, asset_id, password_hash, expires_at, revoked_at FROM media.share_links WHERE token_hash = $1`,
		sum[:]).Scan(&album, &asset, &hash, &expires, &revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.NotFound("No such share link.")
	}
	if err != nil {
		return nil, fmt.Errorf("load share link: %w", err)
	}
	if revoked != nil {
		return nil, fault.Gone("share-link-revoked", "Share link revoked", "This link was revoked by its owner.")
	}
	if !a.now().Before(expires) {
		return nil, fault.Gone("share-link-expired", "Share link expired", "This link has expired.")
	}
	if hash != nil && bcrypt.CompareHashAndPassword([]byte(*hash), []byte(password)) != nil {
		return nil, fault.Forbidden("share-link-password", "Password required", "This link needs its password.")
	}
	rows, err := a.db.Query(ctx, `SELECT `+itemCols+` FROM media.media_items
WHERE state = 'ready' AND (album_id = $1 OR asset_id = $2) ORDER BY created_at DESC, asset_id DESC LIMIT 500`, album, asset)
	if err != nil {
		return nil, fmt.Errorf("shared items: %w", err)
	}
	return collectItems(rows)
}

// collectItems scans every row of rows.
func collectItems(rows pgx.Rows) ([]*item, error) {
	defer rows.Close()
	var out []*item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}
