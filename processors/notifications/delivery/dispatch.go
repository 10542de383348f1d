package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

// Metadata key of a job: the row's priority, for logs.
const metaPriority = "priority"

// dueSQL claims rows the queue has never had (or whose deferral ended).
const dueSQL = `SELECT id::text, priority FROM notifications.notifications
WHERE status = 'pending' OR (status = 'deferred' AND defer_until <= now())
ORDER BY (priority = 'emergency') DESC, coalesce(defer_until, created_at)
LIMIT $1 FOR UPDATE SKIP LOCKED`

// staleSQL claims queued rows whose job may be lost: queued for longer than $2 with no
// delivery attempt in that time.
const staleSQL = `SELECT id::text, priority FROM notifications.notifications n
WHERE status = 'queued' AND updated_at < now() - $2::interval
  AND NOT EXISTS (SELECT 1 FROM notifications.delivery_log l
                  WHERE l.notification_id = n.id AND l.at > now() - $2::interval)
ORDER BY (priority = 'emergency') DESC, updated_at
LIMIT $1 FOR UPDATE SKIP LOCKED`

// dueChannel is the PostgreSQL notification channel the notifications_due trigger (migration
// 0002) fires on every insert into notifications.
const dueChannel = "notifications_due"

// dispatchLoop runs a dispatch round whenever an insert wakes it (store.Listen on
// dueChannel), and at least every PollInterval, and a sweep every SweepInterval. A full
// batch is followed by another round at once.
func (d *Delivery) dispatchLoop(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	wake := make(chan struct{}, 1)
	listening := make(chan struct{})
	go func() { defer close(listening); store.Listen(ctx, d.cfg.Pool, dueChannel, d.cfg.Logger, wake) }()
	defer func() { cancel(); <-listening }()
	poll := time.NewTicker(d.cfg.PollInterval)
	defer poll.Stop()
	sweep := time.NewTicker(d.cfg.SweepInterval)
	defer sweep.Stop()
	for {
		d.observeDue(ctx)
		for {
			n, err := d.dispatch(ctx, false)
			if err != nil && ctx.Err() == nil {
				d.cfg.Logger.ErrorContext(ctx, "dispatching notifications", "err", err)
			}
			if err != nil || n < d.cfg.BatchSize {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		case <-wake:
		case <-sweep.C:
			if _, err := d.dispatch(ctx, true); err != nil && ctx.Err() == nil {
				d.cfg.Logger.ErrorContext(ctx, "sweeping queued notifications", "err", err)
			}
		}
	}
}

// dispatch claims one batch (due rows, or stale queued rows when sweeping), publishes their
// jobs, marks them queued and commits, in that order: a crash before the commit publishes
// them again next round (duplicates the worker ignores) and never loses one.
func (d *Delivery) dispatch(ctx context.Context, sweeping bool) (int, error) {
	tx, err := d.cfg.Pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("begin dispatch: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	var rows pgx.Rows
	if sweeping {
		rows, err = tx.Query(ctx, staleSQL, d.cfg.BatchSize, d.cfg.StaleAfter.String())
	} else {
		rows, err = tx.Query(ctx, dueSQL, d.cfg.BatchSize)
	}
	if err != nil {
		return 0, fmt.Errorf("claim notifications: %w", err)
	}
	type job struct{ id, priority string }
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (job, error) {
		var j job
		return j, r.Scan(&j.id, &j.priority)
	})
	if err != nil {
		return 0, fmt.Errorf("claim notifications: %w", err)
	}
	if len(jobs) == 0 {
		return 0, nil
	}
	lanes := map[string][]*message.Message{}
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		msg := message.NewMessage(watermill.NewUUID(), []byte(j.id))
		msg.Metadata.Set(metaPriority, j.priority)
		lane := d.streams.Routine
		if j.priority == "emergency" {
			lane = d.streams.Emergency
		}
		lanes[lane] = append(lanes[lane], msg)
		ids[i] = j.id
	}
	// Emergencies first.
	for _, lane := range []string{d.streams.Emergency, d.streams.Routine} {
		if len(lanes[lane]) == 0 {
			continue
		}
		if err := d.pub.PublishContext(ctx, lane, lanes[lane]...); err != nil {
			return 0, fmt.Errorf("publish %d jobs to %s: %w", len(lanes[lane]), lane, err)
		}
	}
	if d.cfg.afterPublish != nil {
		if err := d.cfg.afterPublish(); err != nil {
			return 0, fmt.Errorf("after publish: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE notifications.notifications SET status = 'queued', updated_at = now()
		WHERE id = ANY($1::uuid[])`, ids); err != nil {
		return 0, fmt.Errorf("mark %d notifications queued: %w", len(ids), err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("commit dispatch: %w", err)
	}
	return len(jobs), nil
}
