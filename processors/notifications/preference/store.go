package preference

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/processors/notifications/provider"
)

// Get returns the preferences of recipient, or the defaults (everything allowed, no quiet
// hours, no time zone of their own) when none are stored, so callers never special-case a
// new guest. TimeZone is "" when the recipient set none (see Preferences.TimeZone).
func Get(ctx context.Context, db store.DB, recipient string) (Preferences, error) {
	p := Preferences{RecipientID: recipient}
	var start, end *int16
	var zone *string
	var channels, categories []string
	err := db.QueryRow(ctx, `SELECT time_zone, quiet_start_minute, quiet_end_minute, opted_out_channels,
		opted_out_categories, updated_at FROM notifications.channel_preferences WHERE recipient_id = $1`, recipient).
		Scan(&zone, &start, &end, &channels, &categories, &p.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, nil
	}
	if zone != nil {
		p.TimeZone = *zone
	}
	if err != nil {
		return Preferences{}, fmt.Errorf("preference: get %s: %w", recipient, err)
	}
	if start != nil && end != nil {
		p.QuietHours = &QuietHours{Start: Clock(*start), End: Clock(*end)}
	}
	p.OptedOutChannels = convert[string, provider.Channel](channels)
	p.OptedOutCategories = convert[string, Category](categories)
	return p, nil
}

// Put validates p and stores it, replacing what the recipient had. It returns p as stored
// (with UpdatedAt set). An empty TimeZone is stored as none (NULL): the recipient's contact
// zone applies, else DefaultTimeZone.
func Put(ctx context.Context, db store.DB, p Preferences) (Preferences, error) {
	if err := p.Validate(); err != nil {
		return Preferences{}, err
	}
	var zone *string
	if p.TimeZone != "" {
		zone = &p.TimeZone
	}
	var start, end *int16
	if q := p.QuietHours; q != nil {
		s, e := int16(q.Start), int16(q.End)
		start, end = &s, &e
	}
	err := db.QueryRow(ctx, `INSERT INTO notifications.channel_preferences AS p
			(recipient_id, time_zone, quiet_start_minute, quiet_end_minute, opted_out_channels, opted_out_categories)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (recipient_id) DO UPDATE SET time_zone = excluded.time_zone,
			quiet_start_minute = excluded.quiet_start_minute, quiet_end_minute = excluded.quiet_end_minute,
			opted_out_channels = excluded.opted_out_channels, opted_out_categories = excluded.opted_out_categories,
			updated_at = now()
		RETURNING updated_at`,
		p.RecipientID, zone, start, end,
		convert[provider.Channel, string](p.OptedOutChannels), convert[Category, string](p.OptedOutCategories)).
		Scan(&p.UpdatedAt)
	if err != nil {
		return Preferences{}, fmt.Errorf("preference: put %s: %w", p.RecipientID, err)
	}
	return p, nil
}

// convert maps between string kinds; never nil, so the array columns get '{}' not NULL.
func convert[From, To ~string](in []From) []To {
	out := make([]To, 0, len(in))
	for _, v := range in {
		out = append(out, To(v))
	}
	return out
}
