package media

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/fault"
)

// runSweep completes uploads whose app never called complete (the phone lost its signal
// after the POST) and expires those whose bytes never came, every MEDIA_SWEEP_INTERVAL.
func (a *app) runSweep(ctx context.Context) error {
	t := time.NewTicker(a.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := a.sweep(ctx); err != nil && ctx.Err() == nil {
				a.env.Logger.Warn("upload sweep", "err", err)
			}
		}
	}
}

// sweep makes one pass over the uploads pending longer than MEDIA_SWEEP_AGE.
func (a *app) sweep(ctx context.Context) error {
	rows, err := a.db.Query(ctx, `SELECT asset_id, upload_expires FROM media.media_items
WHERE state = 'pending' AND created_at < $1 ORDER BY created_at LIMIT 100`, a.now().Add(-a.cfg.SweepAge))
	if err != nil {
		return err
	}
	type pending struct {
		id      uuid.UUID
		expires time.Time
	}
	var ps []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.expires); err != nil {
			rows.Close()
			return err
		}
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range ps {
		_, err := a.complete(ctx, p.id)
		if f, ok := fault.As(err); ok && f.Slug == "upload-missing" {
			// The POST can no longer succeed once its policy expired: nothing will come.
			if a.now().After(p.expires) {
				_, err = a.db.Exec(ctx, `UPDATE media.media_items SET state = 'expired', completed_at = $2
WHERE asset_id = $1 AND state = 'pending'`, p.id, a.now())
			} else {
				err = nil
			}
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			a.env.Logger.Warn("sweep upload", "asset_id", p.id, "err", err)
		}
	}
	return nil
}
