package worker_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/worker"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

// TestOnNotifyRunsARoundWhenARowIsNotified polls only once an hour, so the round that sees
// the new row can only have been started by its NOTIFY.
func TestOnNotifyRunsARoundWhenARowIsNotified(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewDB(t)
	pgtest.Exec(t, pool, `CREATE TABLE jobs (id int PRIMARY KEY)`)
	var seen atomic.Int64
	seen.Store(-1)
	loop := worker.OnNotify("jobs", pool, "jobs_due", time.Hour, streamtest.Logger(t, slog.LevelWarn), func(ctx context.Context) error {
		var n int64
		err := pool.QueryRow(ctx, `SELECT count(*) FROM jobs`).Scan(&n)
		seen.Store(n)
		return err
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- loop(ctx) }()

	streamtest.Eventually(t, "the worker to LISTEN and see no job", func() (bool, error) {
		var listening bool
		err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_stat_activity
			WHERE datname = current_database() AND query = 'LISTEN "jobs_due"' AND state = 'idle')`).Scan(&listening)
		return listening && seen.Load() == 0, err
	})
	pgtest.Exec(t, pool, `INSERT INTO jobs VALUES (1); NOTIFY jobs_due`)
	streamtest.Eventually(t, "a round to see the notified job", func() (bool, error) { return seen.Load() == 1, nil })

	cancel()
	if err := <-done; err != nil {
		t.Errorf("OnNotify after cancel = %v, want nil", err)
	}
}

// syncBuffer is a log destination the worker goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestEveryLogsAFailedRoundAndRunsTheNext(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	var rounds atomic.Int64
	loop := worker.Every("reconciliation", time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)), func(context.Context) error {
		if rounds.Add(1) == 1 {
			return errors.New("provider down")
		}
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- loop(ctx) }()
	streamtest.Eventually(t, "three rounds", func() (bool, error) { return rounds.Load() >= 3, nil })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Every after cancel = %v, want nil", err)
	}
	if got := logs.String(); !strings.Contains(got, `msg="reconciliation: round failed; the next one retries" err="provider down"`) {
		t.Errorf("log = %q, want the failed round reported", got)
	}
}
