package notifications

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/processors/notifications/contact"
	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/provider"
)

// contactDirectory is the delivery stage's Directory: "group:" recipients come from the
// static group directory (NOTIFICATIONS_DIRECTORY_FILE or the dev one); a person
// ("GUEST:<id>", "GUIDE:<id>", ...) is looked up in package contact's tables: email and
// SMS in contacts (filled from guest.registered and PUT /v1/recipients/{r}/contact), push
// in devices (every registered token, one delivery each). A person in neither falls back to
// the static directory (staff listed in a directory file). In-app needs no contact details:
// the inbox is keyed by the recipient.
type contactDirectory struct {
	pool   *pgxpool.Pool
	groups delivery.StaticDirectory
}

var _ delivery.Forgetter = (*contactDirectory)(nil)

func newContactDirectory(pool *pgxpool.Pool, groups delivery.StaticDirectory) *contactDirectory {
	return &contactDirectory{pool: pool, groups: groups}
}

// Resolve implements delivery.Directory. A person without a contact row (or devices), or
// without an address on ch, is delivery.ErrUnknownRecipient (permanent); a database error
// is retried.
func (d *contactDirectory) Resolve(ctx context.Context, recipient string, ch provider.Channel) ([]delivery.Address, error) {
	if strings.HasPrefix(recipient, "group:") {
		return d.groups.Resolve(ctx, recipient, ch)
	}
	if ch == provider.InApp {
		return []delivery.Address{{Member: recipient, To: recipient}}, nil
	}
	r, err := contact.ParseRecipient(recipient)
	if err != nil {
		return d.groups.Resolve(ctx, recipient, ch)
	}
	if ch == provider.Push {
		return d.devices(ctx, r, ch)
	}
	c, err := contact.Get(ctx, d.pool, r)
	if errors.Is(err, contact.ErrNotFound) {
		// A person the static directory lists (e.g. staff in a directory file) still resolves.
		return d.groups.Resolve(ctx, recipient, ch)
	}
	if err != nil {
		return nil, err
	}
	var to *string
	switch ch {
	case provider.Email:
		to = c.Email
	case provider.SMS:
		to = c.Phone
	}
	if to == nil || *to == "" {
		return nil, fmt.Errorf("%w: %s has no %s address", delivery.ErrUnknownRecipient, recipient, ch)
	}
	a := delivery.Address{Member: recipient, To: *to}
	if ch == provider.Email {
		a.Name = c.Name
	}
	return []delivery.Address{a}, nil
}

// devices are r's registered push tokens, one address (and delivery member) each.
func (d *contactDirectory) devices(ctx context.Context, r contact.Recipient, ch provider.Channel) ([]delivery.Address, error) {
	devs, err := contact.Devices(ctx, d.pool, r)
	if err != nil {
		return nil, err
	}
	if len(devs) == 0 {
		if as, err := d.groups.Resolve(ctx, r.String(), ch); err == nil {
			return as, nil
		}
		return nil, fmt.Errorf("%w: %s has no registered device", delivery.ErrUnknownRecipient, r)
	}
	out := make([]delivery.Address, len(devs))
	for i, dev := range devs {
		out[i] = delivery.Address{Member: contact.Member(r, dev.Token), To: dev.Token}
	}
	return out, nil
}

// Forget implements delivery.Forgetter: a push token FCM answered UNREGISTERED for is
// deleted. Other channels' addresses are kept (an email bounce is the owner's to fix).
func (d *contactDirectory) Forget(ctx context.Context, _ string, ch provider.Channel, a delivery.Address) error {
	if ch != provider.Push {
		return nil
	}
	_, err := contact.Forget(ctx, d.pool, a.To)
	return err
}
