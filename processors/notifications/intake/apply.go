package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/processors/notifications/contact"
	"github.com/novatrek/support/processors/notifications/preference"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/template"
	"github.com/novatrek/support/schemas"
)

// intent is one consumed event or request, routed: everything apply needs.
type intent struct {
	cause      schemas.EventMetadata
	topic      string
	requestID  *string
	route      Route
	recipients []recipient
	data       map[string]any
	// locale is the request's locale; "" means template.DefaultLocale.
	locale    string
	notBefore *time.Time
}

// idSpace namespaces notification ids (uuid v5), so the same cause, recipient and channel
// always give the same id.
var idSpace = uuid.MustParse("0b8a3c4e-5f7d-4c1e-9a2b-6d3e8f1a7c90")

// idempotencyKey is what makes two deliveries of it the same work. For a request it is its
// producer and request_id (the schema's "idempotency id of the request"): a caller that
// retries with a new envelope (a new metadata.event_id, the same request_id) gets nothing
// new. The producer is part of the key so that two callers' request ids never collide. For
// a consumed event it is the event id.
func (it intent) idempotencyKey() string {
	if it.requestID != nil && *it.requestID != "" {
		return "request/" + it.cause.Producer + "/" + *it.requestID
	}
	return it.cause.EventID
}

// notificationID is the row id of it's notification to rc on ch: uuid v5 of the
// idempotency key, the recipient and the channel. The id is the primary key, so a retried
// request's rows conflict with the first one's whatever its envelope's event id.
func notificationID(it intent, rc recipient, ch provider.Channel) uuid.UUID {
	return uuid.NewSHA1(idSpace, []byte(it.idempotencyKey()+"/"+rc.key()+"/"+string(ch)))
}

// row is one notification about to be inserted.
type row struct {
	id        uuid.UUID
	rc        recipient
	ch        provider.Channel
	version   template.Version
	rendered  template.Rendered
	status    string
	reason    string
	deferTill *time.Time
}

// apply writes the notifications of it (recipients × channels) and one status event per
// new row, then its intake_log row.
func (in *Intake) apply(ctx context.Context, tx pgx.Tx, it intent) error {
	if len(it.recipients) == 0 {
		return stream.Permanent(fmt.Errorf("%s event %s: no recipients", it.route.Kind, it.cause.EventID))
	}
	now := in.cfg.Now()
	type versionKey struct {
		ch     provider.Channel
		locale string
	}
	versions := map[versionKey]template.Version{}
	total, created := 0, 0
	for _, rc := range it.recipients {
		prefs, err := in.preferences(ctx, tx, it, rc)
		if err != nil {
			return err
		}
		var c *contact.Contact // read once, only when the locale or the zone needs it
		if it.locale == "" || (prefs.TimeZone == "" && prefs.QuietHours != nil) {
			if c, err = contactOf(ctx, tx, rc); err != nil {
				return err
			}
		}
		if c != nil && c.TimeZone != nil {
			prefs = prefs.WithZone(*c.TimeZone)
		}
		locale := recipientLocale(it, c)
		for _, ch := range it.route.Channels {
			v, ok := versions[versionKey{ch, locale}]
			if !ok {
				if v, err = resolve(ctx, tx, it.route.Template, ch, locale); err != nil {
					return err
				}
				versions[versionKey{ch, locale}] = v
			}
			r := row{id: notificationID(it, rc, ch), rc: rc, ch: ch, version: v}
			if r.rendered, err = v.Render(it.data); err != nil {
				return stream.Permanent(fmt.Errorf("render template %s for event %s: %w", v.Key, it.cause.EventID, err))
			}
			r.status, r.reason, r.deferTill = decide(it, prefs, ch, now)
			isNew, err := in.insert(ctx, tx, it, locale, r)
			if err != nil {
				return err
			}
			total++
			if isNew {
				created++
				if err := in.enqueueStatus(ctx, tx, it, r); err != nil {
					return err
				}
			}
		}
	}
	if _, err := tx.Exec(ctx, in.sql.log, it.cause.EventID, it.topic, total, created); err != nil {
		return fmt.Errorf("record intake of event %s: %w", it.cause.EventID, err)
	}
	return nil
}

// preferences returns rc's stored preferences, or the defaults for groups and for messages
// that bypass preferences (no read needed).
func (in *Intake) preferences(ctx context.Context, tx pgx.Tx, it intent, rc recipient) (preference.Preferences, error) {
	key := rc.preferenceKey()
	if key == "" || preference.BypassesPreferences(it.route.Category) {
		return preference.Preferences{RecipientID: key}, nil
	}
	p, err := preference.Get(ctx, tx, key)
	if err != nil {
		return p, fmt.Errorf("preferences of %s: %w", rc.key(), err)
	}
	return p, nil
}

// contactOf returns rc's contact, or nil for a recipient without one (a group, an
// address, a person nobody registered).
func contactOf(ctx context.Context, tx pgx.Tx, rc recipient) (*contact.Contact, error) {
	if rc.ID == "" || rc.Type == "" {
		return nil, nil
	}
	c, err := contact.Get(ctx, tx, contact.Recipient{Type: rc.Type, ID: rc.ID})
	switch {
	case errors.Is(err, contact.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("contact of %s: %w", rc.key(), err)
	}
	return &c, nil
}

// recipientLocale is the locale a recipient's notifications render in: the request's
// locale, else the person's contact locale c (guest.registered's preferred language, or what
// the contacts API stored), else template.DefaultLocale. Template resolution falls back from
// it (fr-CA, fr, en), so a locale without templates still renders.
func recipientLocale(it intent, c *contact.Contact) string {
	switch {
	case it.locale != "":
		return it.locale
	case c == nil:
		return template.DefaultLocale
	case !template.ValidLocale(c.Locale):
		// guest.registered's preferred_language is stored as sent; one that is not a
		// BCP 47 tag must not stop the notification.
		return template.DefaultLocale
	}
	return c.Locale
}

// decide turns the preference decision and the request's not_before into a status. Only
// the route's category can bypass preferences (preference.BypassesPreferences): a CRITICAL
// request of a routine kind travels in the emergency lane but still honors opt-outs and
// quiet hours.
func decide(it intent, p preference.Preferences, ch provider.Channel, now time.Time) (status, reason string, deferTill *time.Time) {
	d := preference.Decide(p, it.route.Category, ch, now)
	if !d.Send {
		return "suppressed", d.Reason, nil
	}
	until := d.Defer
	if nb := it.notBefore; nb != nil && nb.After(now) && nb.After(until) {
		until, d.Reason = *nb, "not before "+nb.UTC().Format(time.RFC3339)
	}
	if !until.IsZero() {
		return "deferred", d.Reason, &until
	}
	return "pending", d.Reason, nil
}

// resolve finds the current template version; a missing one is permanent (see the package
// documentation: publish it, then redrive the dead letter).
func resolve(ctx context.Context, tx pgx.Tx, name string, ch provider.Channel, locale string) (template.Version, error) {
	v, err := template.Resolve(ctx, tx, template.Key{Name: name, Channel: ch, Locale: locale})
	if errors.Is(err, template.ErrNotFound) {
		return v, stream.Permanent(fmt.Errorf("no current template %q for channel %s (locale %s or its fallbacks): publish one, then redrive: %w", name, ch, locale, err))
	}
	if err != nil {
		return v, fmt.Errorf("resolve template %s/%s: %w", name, ch, err)
	}
	return v, nil
}

// insert writes r unless the same cause (the event, or the request by its request_id)
// already produced it; it reports whether it was new.
func (in *Intake) insert(ctx context.Context, tx pgx.Tx, it intent, locale string, r row) (bool, error) {
	var recipientID *string
	if r.rc.ID != "" {
		recipientID = &r.rc.ID
	}
	tag, err := tx.Exec(ctx, in.sql.insert,
		r.id, it.cause.EventID, it.topic, it.requestID, it.route.Kind,
		r.rc.key(), r.rc.Type, recipientID, r.rc.address(r.ch), string(r.ch), string(it.route.Category), locale,
		it.route.Template, r.version.ID, r.rendered.Subject, r.rendered.Body, r.rendered.HTML,
		string(it.route.Priority), r.status, r.reason, r.deferTill)
	if err != nil {
		return false, fmt.Errorf("insert notification %s (%s on %s): %w", r.id, r.rc.key(), r.ch, err)
	}
	return tag.RowsAffected() == 1, nil
}
