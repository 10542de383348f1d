package template

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

const versionCols = `t.id, t.name, t.channel, t.locale, t.version, t.subject, t.body, t.html,
	t.variables, t.sample_data, t.published_by, t.published_at`

func scanVersion(row pgx.Row) (Version, error) {
	var v Version
	err := row.Scan(&v.ID, &v.Name, &v.Channel, &v.Locale, &v.Version, &v.Subject, &v.Body, &v.HTML,
		&v.Variables, &v.SampleData, &v.PublishedBy, &v.PublishedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, ErrNotFound
	}
	return v, err
}

// Publish validates d (a refusal wraps ErrInvalid), stores it as the next version of its key and makes it current. The
// version number is allocated under a transaction-scoped advisory lock on the key, so
// concurrent publishes of one template get consecutive numbers instead of a unique violation.
func Publish(ctx context.Context, db DB, d Draft) (Version, error) {
	if err := d.validate(); err != nil {
		return Version{}, invalid(err)
	}
	sample, err := marshalSample(d.SampleData)
	if err != nil {
		return Version{}, invalid(err)
	}
	var v Version
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := lockKey(ctx, tx, d.Key); err != nil {
			return err
		}
		v, err = scanVersion(tx.QueryRow(ctx, `
			INSERT INTO notifications.templates AS t
				(name, channel, locale, version, subject, body, html, variables, sample_data, published_by)
			SELECT $1, $2, $3, coalesce(max(version), 0) + 1, $4, $5, $6, $7, $8, $9
			FROM notifications.templates WHERE name = $1 AND channel = $2 AND locale = $3
			RETURNING `+versionCols,
			d.Name, d.Channel, d.Locale, d.Subject, d.Body, d.HTML, variables(d.Variables), sample, d.PublishedBy))
		if err != nil {
			return fmt.Errorf("insert version: %w", err)
		}
		return activate(ctx, tx, v, "publish", d.PublishedBy)
	})
	if err != nil {
		return Version{}, fmt.Errorf("template: publish %s: %w", d.Key, err)
	}
	return v, nil
}

// Rollback makes version toVersion of k current again by recording a new activation; no
// version is deleted, and notifications that stored a later version's id still render it.
// Any existing version may be named, so "rolling forward" again is the same call.
func Rollback(ctx context.Context, db DB, k Key, toVersion int, by string) (Version, error) {
	var v Version
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := lockKey(ctx, tx, k); err != nil {
			return err
		}
		var err error
		v, err = scanVersion(tx.QueryRow(ctx, `SELECT `+versionCols+` FROM notifications.templates t
			WHERE name = $1 AND channel = $2 AND locale = $3 AND version = $4`, k.Name, k.Channel, k.Locale, toVersion))
		if err != nil {
			return fmt.Errorf("find version %d: %w", toVersion, err)
		}
		return activate(ctx, tx, v, "rollback", by)
	})
	if err != nil {
		return Version{}, fmt.Errorf("template: roll back %s: %w", k, err)
	}
	return v, nil
}

// Current returns the current version of exactly k (no locale fallback), or ErrNotFound.
func Current(ctx context.Context, db store.DB, k Key) (Version, error) {
	v, err := scanVersion(db.QueryRow(ctx, `SELECT `+versionCols+`
		FROM notifications.template_activations a JOIN notifications.templates t ON t.id = a.template_id
		WHERE a.name = $1 AND a.channel = $2 AND a.locale = $3
		ORDER BY a.id DESC LIMIT 1`, k.Name, k.Channel, k.Locale))
	if err != nil {
		return Version{}, fmt.Errorf("template: current %s: %w", k, err)
	}
	return v, nil
}

// Resolve returns the current version of k's name and channel for the first locale of
// FallbackChain(k.Locale) that has one, or ErrNotFound.
func Resolve(ctx context.Context, db store.DB, k Key) (Version, error) {
	v, err := scanVersion(db.QueryRow(ctx, `SELECT `+versionCols+`
		FROM unnest($3::text[]) WITH ORDINALITY AS l(locale, ord)
		CROSS JOIN LATERAL (
			SELECT a.template_id FROM notifications.template_activations a
			WHERE a.name = $1 AND a.channel = $2 AND a.locale = l.locale
			ORDER BY a.id DESC LIMIT 1) cur
		JOIN notifications.templates t ON t.id = cur.template_id
		ORDER BY l.ord LIMIT 1`, k.Name, k.Channel, FallbackChain(k.Locale)))
	if err != nil {
		return Version{}, fmt.Errorf("template: resolve %s: %w", k, err)
	}
	return v, nil
}

// Get returns the version with database id id (the id a notification recorded).
func Get(ctx context.Context, db store.DB, id int64) (Version, error) {
	v, err := scanVersion(db.QueryRow(ctx, `SELECT `+versionCols+` FROM notifications.templates t WHERE t.id = $1`, id))
	if err != nil {
		return Version{}, fmt.Errorf("template: get version id %d: %w", id, err)
	}
	return v, nil
}

// Activation is one entry of a template's history: a publish or a rollback.
type Activation struct {
	Version     int
	TemplateID  int64
	Action      string // "publish" or "rollback"
	By          string
	ActivatedAt time.Time
}

// History returns k's activations, oldest first; the last one names the current version.
func History(ctx context.Context, db store.DB, k Key) ([]Activation, error) {
	rows, err := db.Query(ctx, `SELECT t.version, a.template_id, a.action, a.activated_by, a.activated_at
		FROM notifications.template_activations a JOIN notifications.templates t ON t.id = a.template_id
		WHERE a.name = $1 AND a.channel = $2 AND a.locale = $3 ORDER BY a.id`, k.Name, k.Channel, k.Locale)
	if err != nil {
		return nil, fmt.Errorf("template: history %s: %w", k, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Activation, error) {
		var a Activation
		err := r.Scan(&a.Version, &a.TemplateID, &a.Action, &a.By, &a.ActivatedAt)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("template: history %s: %w", k, err)
	}
	return out, nil
}

// lockKey serializes publishes and rollbacks of one key until the transaction ends.
func lockKey(ctx context.Context, tx pgx.Tx, k Key) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('notifications.templates'), hashtext($1))`, k.String()); err != nil {
		return fmt.Errorf("lock %s: %w", k, err)
	}
	return nil
}

func activate(ctx context.Context, tx pgx.Tx, v Version, action, by string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO notifications.template_activations
		(name, channel, locale, template_id, action, activated_by) VALUES ($1, $2, $3, $4, $5, $6)`,
		v.Name, v.Channel, v.Locale, v.ID, action, by); err != nil {
		return fmt.Errorf("record %s of v%d: %w", action, v.Version, err)
	}
	return nil
}

func variables(vs []string) []string {
	if vs == nil {
		return []string{}
	}
	return vs
}
