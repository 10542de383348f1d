package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/stream"
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
	locale string
	// critical (a CRITICAL request) bypasses preferences whatever the category.
	critical  bool
	notBefore *time.Time
}

// ReasonCritical is the status reason of a CRITICAL request's notifications.
const ReasonCritical = "critical urgency: preferences bypassed"

// idSpace namespaces notification ids (uuid v5), so the same event, recipient and channel
// always give the same id.
var idSpace = uuid.MustParse("0b8a3c4e-5f7d-4c1e-9a2b-6d3e8f1a7c90")

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
		locale, err := recipientLocale(ctx, tx, it, rc)
		if err != nil {
			return err
		}
		for _, ch := range it.route.Channels {
			v, ok := versions[versionKey{ch, locale}]
			if !ok {
				if v, err = resolve(ctx, tx, it.route.Template, ch, locale); err != nil {
					return err
				}
				versions[versionKey{ch, locale}] = v
			}
			r := row{id: uuid.NewSHA1(idSpace, []byte(it.cause.EventID+"/"+rc.key()+"/"+string(ch))), rc: rc, ch: ch, version: v}
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
	if key == "" || it.critical || preference.BypassesPreferences(it.route.Category) {
		return preference.Preferences{RecipientID: key}, nil
	}
	p, err := preference.Get(ctx, tx, key)
	if err != nil {
		return p, fmt.Errorf("preferences of %s: %w", rc.key(), err)
	}
	return p, nil
}

// recipientLocale is the locale rc's notifications render in: the request's locale, else
// the person's contact locale (guest.registered's preferred language, or what the contacts
// API stored), else template.DefaultLocale. Template resolution falls back from it (fr-CA,
// fr, en), so a locale without templates still renders.
func recipientLocale(ctx context.Context, tx pgx.Tx, it intent, rc recipient) (string, error) {
	if it.locale != "" {
		return it.locale, nil
	}
	if rc.ID == "" || rc.Type == "" {
		return template.DefaultLocale, nil
	}
	c, err := contact.Get(ctx, tx, contact.Recipient{Type: rc.Type, ID: rc.ID})
	switch {
	case errors.Is(err, contact.ErrNotFound):
		return template.DefaultLocale, nil
	case err != nil:
		return "", fmt.Errorf("locale of %s: %w", rc.key(), err)
	case !template.ValidLocale(c.Locale):
		// guest.registered's preferred_language is stored as sent; one that is not a
		// BCP 47 tag must not stop the notification.
		return template.DefaultLocale, nil
	}
	return c.Locale, nil
}

// decide turns the preference decision and the request's not_before into a status.
func decide(it intent, p preference.Preferences, ch provider.Channel, now time.Time) (status, reason string, deferTill *time.Time) {
	d := preference.Decision{Send: true, Reason: ReasonCritical}
	if !it.critical {
		d = preference.Decide(p, it.route.Category, ch, now)
	}
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

// insert writes r unless the event already produced it; it reports whether it was new.
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
