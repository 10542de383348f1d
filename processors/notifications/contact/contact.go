package contact

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/processors/notifications/preference"
	"github.com/novatrek/support/processors/notifications/template"
)

// Contact is how to reach one person. Nil Email or Phone means the person has none (that
// channel then fails as an unknown recipient); Locale defaults to "en".
type Contact struct {
	Recipient string  `json:"recipient"`
	Name      string  `json:"name"`
	Email     *string `json:"email,omitempty"`
	// Phone is E.164, e.g. "+14155550123".
	Phone  *string `json:"phone,omitempty"`
	Locale string  `json:"locale"`
	// TimeZone is an IANA zone, e.g. "America/Denver"; nil when unknown.
	TimeZone  *string   `json:"time_zone,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	// UpdatedBy is "guest.registered" or the API caller that wrote the contact.
	UpdatedBy string `json:"updated_by"`
}

// DefaultLocale is a contact's locale when none is given.
const DefaultLocale = "en"

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Validate checks c and fills the default locale; every problem is named, joined.
func (c *Contact) Validate() error {
	var errs []error
	if len(c.Name) > 200 {
		errs = append(errs, errors.New("name is longer than 200 characters"))
	}
	if c.Email != nil {
		if a, err := mail.ParseAddress(*c.Email); err != nil || a.Address != *c.Email || len(*c.Email) > 320 {
			errs = append(errs, fmt.Errorf("email %q is not a plain address like ada@example.com", *c.Email))
		}
	}
	if c.Phone != nil && !e164.MatchString(*c.Phone) {
		errs = append(errs, fmt.Errorf("phone %q is not E.164 (like +14155550123)", *c.Phone))
	}
	if c.Locale == "" {
		c.Locale = DefaultLocale
	}
	if !template.ValidLocale(c.Locale) {
		errs = append(errs, fmt.Errorf("locale %q is not a BCP 47 tag like en or fr-CA", c.Locale))
	}
	if c.TimeZone != nil {
		if *c.TimeZone == "" || len(*c.TimeZone) > 64 {
			errs = append(errs, fmt.Errorf("time_zone %q is not an IANA zone", *c.TimeZone))
		} else if err := preference.CheckTimeZone(*c.TimeZone); err != nil {
			errs = append(errs, fmt.Errorf("time_zone %q is not an IANA zone like America/Denver", *c.TimeZone))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

const contactColumns = `recipient_type, recipient_id, name, email, phone, locale, time_zone, updated_at, updated_by`

// Put stores c for r as written by caller, replacing every field (PUT semantics: the same
// body twice leaves the same contact). updated_at is the database's now(), so a
// guest.registered event older than this write does not overwrite it.
func Put(ctx context.Context, db store.DB, r Recipient, c Contact, caller string) (Contact, error) {
	if err := c.Validate(); err != nil {
		return Contact{}, err
	}
	row := db.QueryRow(ctx, `INSERT INTO notifications.contacts AS c (`+contactColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8)
		ON CONFLICT (recipient_type, recipient_id) DO UPDATE SET
			name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone, locale = EXCLUDED.locale,
			time_zone = EXCLUDED.time_zone, updated_at = greatest(c.updated_at, EXCLUDED.updated_at),
			updated_by = EXCLUDED.updated_by
		RETURNING `+contactColumns, r.Type, r.ID, c.Name, c.Email, c.Phone, c.Locale, c.TimeZone, caller)
	out, err := scanContact(row)
	if err != nil {
		return Contact{}, fmt.Errorf("store contact of %s: %w", r, err)
	}
	return out, nil
}

// ErrNotFound is Get's answer for a recipient without a contact.
var ErrNotFound = errors.New("no contact")

// Get returns r's contact, or an error matching ErrNotFound.
func Get(ctx context.Context, db store.DB, r Recipient) (Contact, error) {
	c, err := scanContact(db.QueryRow(ctx, `SELECT `+contactColumns+` FROM notifications.contacts
		WHERE recipient_type = $1 AND recipient_id = $2`, r.Type, r.ID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Contact{}, fmt.Errorf("%w for %s", ErrNotFound, r)
	}
	if err != nil {
		return Contact{}, fmt.Errorf("read contact of %s: %w", r, err)
	}
	return c, nil
}

// Delete removes r's contact (and nothing else: devices are removed one by one). Deleting
// a contact that is not there is not an error; the result says whether one was.
func Delete(ctx context.Context, db store.DB, r Recipient) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM notifications.contacts WHERE recipient_type = $1 AND recipient_id = $2`, r.Type, r.ID)
	if err != nil {
		return false, fmt.Errorf("delete contact of %s: %w", r, err)
	}
	return tag.RowsAffected() > 0, nil
}

func scanContact(row pgx.Row) (Contact, error) {
	var c Contact
	var typ, id string
	err := row.Scan(&typ, &id, &c.Name, &c.Email, &c.Phone, &c.Locale, &c.TimeZone, &c.UpdatedAt, &c.UpdatedBy)
	c.Recipient = strings.Join([]string{typ, id}, ":")
	return c, err
}
