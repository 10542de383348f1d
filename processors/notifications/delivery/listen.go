package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// dueChannel is the PostgreSQL notification channel the notifications_due trigger (migration
// 0002) fires on every insert into notifications.
const dueChannel = "notifications_due"

// listen LISTENs on dueChannel on a connection of its own (not one of the pool's, which the
// workers need) and signals wake, without blocking, on every notification, until ctx ends.
// A lost connection is retried every PollInterval; meanwhile the poll alone finds due rows.
func (d *Delivery) listen(ctx context.Context, wake chan<- struct{}) {
	for ctx.Err() == nil {
		err := d.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		d.cfg.Logger.WarnContext(ctx, "listening for new notifications; polling only until reconnected", "err", err)
		t := time.NewTimer(d.cfg.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (d *Delivery) listenOnce(ctx context.Context, wake chan<- struct{}) error {
	conn, err := pgx.ConnectConfig(ctx, d.cfg.Pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "LISTEN "+dueChannel); err != nil {
		return fmt.Errorf("listen on %s: %w", dueChannel, err)
	}
	// Rows inserted before LISTEN took effect are found by this wake-up's round.
	select {
	case wake <- struct{}{}:
	default:
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}
