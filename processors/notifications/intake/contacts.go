package intake

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/schemas"
)

// ContactsTopic is svc-guest-profiles' guest.registered: the source of the contacts table,
// the directory the delivery stage reads a guest's email, phone and locale from when a
// notification names the guest only by id.
const ContactsTopic = "novatrek.guest-identity.guest.registered"

// upsertContact stores a contact; a row is replaced only by a strictly newer event, so a
// redelivered or late older event leaves the newest details in place (and a newer API write,
// stamped with its own time, is not overwritten by an older event). The time zone is left
// as it is: guest.registered carries none.
func upsertContact(schema string) string {
	return `INSERT INTO ` + pgx.Identifier{schema, "contacts"}.Sanitize() + ` AS c
	(recipient_type, recipient_id, name, email, phone, locale, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (recipient_type, recipient_id) DO UPDATE SET
	name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,
	locale = EXCLUDED.locale, updated_at = EXCLUDED.updated_at, updated_by = 'guest.registered'
WHERE c.updated_at < EXCLUDED.updated_at`
}

// guestRegistered records the guest's contact details. It notifies nobody; the intake_log
// row (zero notifications) records that the event was applied.
func (in *Intake) guestRegistered(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.GuestRegistered]) error {
	v := &ev.Value
	name := strings.TrimSpace(v.FirstName + " " + v.LastName)
	locale := v.PreferredLanguage
	if locale == "" {
		locale = "en"
	}
	if _, err := tx.Exec(ctx, in.sql.contact, "GUEST", v.GuestID, name, nonEmpty(v.Email), nonEmpty(deref(v.Phone)),
		locale, v.Metadata.OccurredAt); err != nil {
		return fmt.Errorf("store contact of guest %s: %w", v.GuestID, err)
	}
	if _, err := tx.Exec(ctx, in.sql.log, ev.Meta.EventID, ev.Topic, 0, 0); err != nil {
		return fmt.Errorf("record intake of event %s: %w", ev.Meta.EventID, err)
	}
	return nil
}

// nonEmpty is s, or nil (SQL NULL) for "".
func nonEmpty(s string) *string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return &s
}
