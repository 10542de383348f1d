package notifications

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/provider"
)

// contactDirectory is the delivery stage's Directory: "group:" recipients come from the
// static group directory (NOTIFICATIONS_DIRECTORY_FILE or the dev one); a person
// ("GUEST:<id>", "GUIDE:<id>", ...) is looked up in the contacts table the intake fills from
// guest.registered. In-app needs no contact details: the inbox is keyed by the recipient.
type contactDirectory struct {
	pool   *pgxpool.Pool
	groups delivery.StaticDirectory
	query  string
}

func newContactDirectory(pool *pgxpool.Pool, groups delivery.StaticDirectory) *contactDirectory {
	return &contactDirectory{pool: pool, groups: groups,
		query: `SELECT name, email, phone, push_token FROM ` + pgx.Identifier{Schema, "contacts"}.Sanitize() +
			` WHERE recipient_type = $1 AND recipient_id = $2`}
}

// Resolve implements delivery.Directory. A person without a contact row, or without an
// address on ch, is delivery.ErrUnknownRecipient (permanent); a database error is retried.
func (d *contactDirectory) Resolve(ctx context.Context, recipient string, ch provider.Channel) ([]delivery.Address, error) {
	if strings.HasPrefix(recipient, "group:") {
		return d.groups.Resolve(ctx, recipient, ch)
	}
	if ch == provider.InApp {
		return []delivery.Address{{Member: recipient, To: recipient}}, nil
	}
	typ, id, ok := strings.Cut(recipient, ":")
	if !ok || id == "" {
		return d.groups.Resolve(ctx, recipient, ch)
	}
	var (
		name                    string
		email, phone, pushToken *string
	)
	err := d.pool.QueryRow(ctx, d.query, typ, id).Scan(&name, &email, &phone, &pushToken)
	if errors.Is(err, pgx.ErrNoRows) {
		// A person the static directory lists (e.g. staff in a directory file) still resolves.
		return d.groups.Resolve(ctx, recipient, ch)
	}
	if err != nil {
		return nil, fmt.Errorf("look up contact of %s: %w", recipient, err)
	}
	var to *string
	switch ch {
	case provider.Email:
		to = email
	case provider.SMS:
		to = phone
	case provider.Push:
		to = pushToken
	}
	if to == nil || *to == "" {
		return nil, fmt.Errorf("%w: %s has no %s address", delivery.ErrUnknownRecipient, recipient, ch)
	}
	a := delivery.Address{Member: recipient, To: *to}
	if ch == provider.Email {
		a.Name = name
	}
	return []delivery.Address{a}, nil
}
