package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/service"
)

func TestGroupStopsEveryLoopWhenOneFails(t *testing.T) {
	g := service.NewGroup(context.Background(), "svc-x")
	stopped := make(chan struct{})
	g.Go("waiter", func(ctx context.Context) error {
		<-ctx.Done()
		close(stopped)
		return ctx.Err() // shutdown noise: must not be reported
	})
	g.Go("failer", func(context.Context) error { return errors.New("boom") })
	err := g.Wait()
	if err == nil || !strings.Contains(err.Error(), "svc-x: failer: boom") {
		t.Fatalf("Wait() = %v, want the failing loop named", err)
	}
	<-stopped
}

func TestGroupKeepsRunningWhenALoopEndsCleanly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	g := service.NewGroup(ctx, "svc-x")
	done := make(chan struct{})
	g.Go("one-shot", func(context.Context) error { close(done); return nil })
	g.Go("waiter", func(ctx context.Context) error { <-ctx.Done(); return nil })
	<-done
	cancel()
	if err := g.Wait(); err != nil {
		t.Fatalf("clean shutdown: Wait() = %v", err)
	}
}
