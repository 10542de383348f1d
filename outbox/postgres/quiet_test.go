package pgoutbox_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// TestQuietBeginSendsNoNotification: a transaction begun with QuietBegin commits its outbox
// rows without a NOTIFY, and the next ordinary one notifies again (SET LOCAL ends with its
// transaction). The session listens to its own channel: PostgreSQL delivers a session's own
// notifications when its transaction commits, before the COMMIT's answer, so what is buffered
// right after each commit is all there is.
func TestQuietBeginSendsNoNotification(t *testing.T) {
	t.Parallel()
	pool, o := newOutbox(t)
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{pgoutbox.Channel(schema)}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	commit := func(opts pgx.TxOptions) int {
		t.Helper()
		tx, err := conn.BeginTx(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Enqueue(ctx, tx, outbox.Message{Topic: "novatrek.test.quiet", Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		return buffered(conn.Conn())
	}
	if n := commit(pgx.TxOptions{BeginQuery: pgoutbox.QuietBegin}); n != 0 {
		t.Errorf("a quiet transaction sent %d notifications, want 0", n)
	}
	if n := commit(pgx.TxOptions{}); n != 1 {
		t.Errorf("an ordinary transaction after a quiet one sent %d notifications, want 1", n)
	}
	if got := rowCount(t, pool); got != 2 {
		t.Errorf("%d outbox rows, want 2: a quiet transaction still writes its rows", got)
	}
}

// buffered counts and discards the notifications conn has already received: with a done
// context WaitForNotification returns buffered ones and then fails without reading.
func buffered(conn *pgx.Conn) int {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	n := 0
	for {
		if _, err := conn.WaitForNotification(done); err != nil {
			return n
		}
		n++
	}
}
