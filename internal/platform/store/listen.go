package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Listen LISTENs on channel until ctx ends, signalling wake (without blocking: one pending
// signal is enough) once LISTEN has taken effect and on every notification. It uses a
// connection of its own, opened with pool's settings, because a LISTEN connection must not
// go back to the pool its workers use. A lost connection is logged and reopened after a
// backoff of 1s doubling to 30s; in the meantime the worker's poll alone finds new rows. The
// first signal after each (re)connect covers rows written while nobody listened.
func Listen(ctx context.Context, pool *pgxpool.Pool, channel string, log *slog.Logger, wake chan<- struct{}) {
	backoff := time.Second
	for ctx.Err() == nil {
		err := listenOnce(ctx, pool, channel, wake)
		if ctx.Err() != nil {
			return
		}
		log.WarnContext(ctx, "listening for notifications; polling only until reconnected", "channel", channel, "err", err, "retry_in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

func listenOnce(ctx context.Context, pool *pgxpool.Pool, channel string, wake chan<- struct{}) error {
	conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen on %s: %w", channel, err)
	}
	for {
		select {
		case wake <- struct{}{}:
		default:
		}
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("wait for notification on %s: %w", channel, err)
		}
	}
}
