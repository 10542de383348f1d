package contact

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

// Device is one app install's FCM registration token.
type Device struct {
	Recipient string `json:"recipient"`
	// Token is the FCM registration token; it identifies the install.
	Token string `json:"token"`
	// Platform is android, ios, web or unknown.
	Platform     string    `json:"platform"`
	RegisteredBy string    `json:"registered_by"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Platforms a device may declare; "" is stored as "unknown".
var Platforms = []string{"android", "ios", "web", "unknown"}

// MaxDevicesPerRecipient bounds one recipient's tokens: registering one more drops the
// least recently registered, so an app that never removes its old tokens cannot make every
// push fan out to dozens of dead installs.
const MaxDevicesPerRecipient = 10

// maxTokenLength is the devices.token limit; FCM tokens are about 160 characters.
const maxTokenLength = 4096

// CheckToken refuses what cannot be an FCM registration token: empty, too long, or holding
// whitespace, control characters or a slash.
func CheckToken(token string) error {
	if token == "" || len(token) > maxTokenLength || strings.ContainsFunc(token, func(r rune) bool {
		return r <= ' ' || r == 0x7f || r == '/'
	}) {
		return fmt.Errorf("%w: device token must be 1 to %d characters without spaces, control characters or '/'", ErrInvalid, maxTokenLength)
	}
	return nil
}

// Register records token as r's device on platform, as written by caller. It is
// idempotent: the same call again only refreshes updated_at. A token registered to another
// recipient moves to r (one install, one signed-in person). Beyond MaxDevicesPerRecipient
// the oldest of r's tokens are dropped. created reports whether the token was new to r.
func Register(ctx context.Context, db store.DB, r Recipient, token, platform, caller string) (d Device, created bool, err error) {
	if err := CheckToken(token); err != nil {
		return Device{}, false, err
	}
	if platform == "" {
		platform = "unknown"
	}
	if !slices.Contains(Platforms, platform) {
		return Device{}, false, fmt.Errorf("%w: platform %q is not one of %s", ErrInvalid, platform, strings.Join(Platforms, ", "))
	}
	var typ, id string
	// prev is the token's owner before this statement (nil: a new token); "new to r" also
	// covers a token that moved here from another recipient.
	var prevType, prevID *string
	err = db.QueryRow(ctx, `WITH prev AS (SELECT recipient_type, recipient_id FROM notifications.devices WHERE token = $1)
		INSERT INTO notifications.devices AS d (token, recipient_type, recipient_id, platform, registered_by)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (token) DO UPDATE SET recipient_type = EXCLUDED.recipient_type, recipient_id = EXCLUDED.recipient_id,
			platform = EXCLUDED.platform, registered_by = EXCLUDED.registered_by, updated_at = now()
		RETURNING d.recipient_type, d.recipient_id, d.token, d.platform, d.registered_by, d.created_at, d.updated_at,
			(SELECT recipient_type FROM prev), (SELECT recipient_id FROM prev)`,
		token, r.Type, r.ID, platform, caller).Scan(&typ, &id, &d.Token, &d.Platform, &d.RegisteredBy, &d.CreatedAt, &d.UpdatedAt,
		&prevType, &prevID)
	if err != nil {
		return Device{}, false, fmt.Errorf("register a device of %s: %w", r, err)
	}
	d.Recipient = typ + ":" + id
	created = prevType == nil || *prevType != r.Type || *prevID != r.ID
	if _, err := db.Exec(ctx, `DELETE FROM notifications.devices WHERE recipient_type = $1 AND recipient_id = $2
		AND token NOT IN (SELECT token FROM notifications.devices WHERE recipient_type = $1 AND recipient_id = $2
			ORDER BY updated_at DESC, token LIMIT $3)`, r.Type, r.ID, MaxDevicesPerRecipient); err != nil {
		return Device{}, false, fmt.Errorf("trim the devices of %s: %w", r, err)
	}
	return d, created, nil
}

// Remove deletes r's device token. Removing a token r does not have is not an error (the
// result says whether it had it); a token now registered to someone else is left alone.
func Remove(ctx context.Context, db store.DB, r Recipient, token string) (bool, error) {
	if err := CheckToken(token); err != nil {
		return false, err
	}
	tag, err := db.Exec(ctx, `DELETE FROM notifications.devices WHERE token = $1 AND recipient_type = $2 AND recipient_id = $3`,
		token, r.Type, r.ID)
	if err != nil {
		return false, fmt.Errorf("remove a device of %s: %w", r, err)
	}
	return tag.RowsAffected() > 0, nil
}

// Forget deletes token whoever it belongs to: FCM said it is UNREGISTERED (app uninstalled,
// token rotated). It reports whether a row was deleted.
func Forget(ctx context.Context, db store.DB, token string) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM notifications.devices WHERE token = $1`, token)
	if err != nil {
		return false, fmt.Errorf("forget an unregistered device token: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// Devices returns r's devices, most recently registered first.
func Devices(ctx context.Context, db store.DB, r Recipient) ([]Device, error) {
	rows, err := db.Query(ctx, `SELECT token, platform, registered_by, created_at, updated_at FROM notifications.devices
		WHERE recipient_type = $1 AND recipient_id = $2 ORDER BY updated_at DESC, token`, r.Type, r.ID)
	if err != nil {
		return nil, fmt.Errorf("list the devices of %s: %w", r, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Device, error) {
		d := Device{Recipient: r.String()}
		return d, row.Scan(&d.Token, &d.Platform, &d.RegisteredBy, &d.CreatedAt, &d.UpdatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("list the devices of %s: %w", r, err)
	}
	return out, nil
}

// Member names a device as a delivery member ("GUEST:g-1/device/<hash>"): one delivery per
// device, recorded without writing the token itself into delivery_members or logs.
func Member(r Recipient, token string) string {
	sum := sha256.Sum256([]byte(token))
	return r.String() + "/device/" + hex.EncodeToString(sum[:8])
}
