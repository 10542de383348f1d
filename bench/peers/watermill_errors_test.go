package peers

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ThreeDotsLabs/watermill"
)

// errorLogger is a silent Watermill logger that passes on the first error the subscriber or
// router logs (a consumer group that cannot join or fetch, a handler's failure): Watermill
// logs them and retries, so without it a broken contender would only look slow.
type errorLogger struct{ errs chan error }

// guard runs run until ctx ends, returning early with the first error logged meanwhile, or
// with run's own return if it stops on its own (which is a failure here: the benchmark
// cancels ctx once the contender has done its work).
func (l errorLogger) guard(run func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		stopped := make(chan error, 1)
		go func() { stopped <- run(ctx) }()
		select {
		case err := <-l.errs:
			return err
		case err := <-stopped:
			if ctx.Err() == nil {
				return errors.Join(errStopped, err)
			}
			return nil
		}
	}
}

var errStopped = errors.New("watermill stopped before the benchmark's work was done")

func (l errorLogger) Error(msg string, err error, _ watermill.LogFields) {
	select {
	case l.errs <- fmt.Errorf("watermill: %s: %w", msg, err):
	default:
	}
}

func (errorLogger) Info(string, watermill.LogFields)                   {}
func (errorLogger) Debug(string, watermill.LogFields)                  {}
func (errorLogger) Trace(string, watermill.LogFields)                  {}
func (l errorLogger) With(watermill.LogFields) watermill.LoggerAdapter { return l }

func TestGuardFailsWithTheFirstLoggedError(t *testing.T) {
	l := errorLogger{make(chan error, 1)}
	boom := errors.New("boom")
	run := l.guard(func(ctx context.Context) error {
		l.Error("Group consume error", boom, nil)
		l.Error("a second error", errors.New("dropped"), nil)
		<-ctx.Done()
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := run(ctx)
	if !errors.Is(err, boom) || err.Error() != "watermill: Group consume error: boom" {
		t.Fatalf("guard returned %v, want the first logged error", err)
	}
}

func TestGuardFailsWhenTheRunStopsOnItsOwn(t *testing.T) {
	l := errorLogger{make(chan error, 1)}
	closed := errors.New("closed")
	err := l.guard(func(context.Context) error { return closed })(context.Background())
	if !errors.Is(err, errStopped) || !errors.Is(err, closed) {
		t.Fatalf("guard returned %v, want errStopped joined with the run's error", err)
	}
}

func TestGuardSucceedsWhenCancelled(t *testing.T) {
	l := errorLogger{make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	err := l.guard(func(ctx context.Context) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	})(ctx)
	if err != nil {
		t.Fatalf("guard returned %v after the benchmark cancelled it, want nil", err)
	}
}
