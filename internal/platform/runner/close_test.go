package runner_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/service"
)

// ownStore is a state holding a connection of its own (a second store's pool): an
// io.Closer, which the runner closes once the loops using it have stopped.
type ownStore struct {
	mu     sync.Mutex
	events []string
	err    error
}

func (s *ownStore) note(e string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
}

func (s *ownStore) Close() error {
	s.note("closed")
	return s.err
}

func closingSpec(st *ownStore, started chan<- struct{}) *service.Spec[*ownStore] {
	return &service.Spec[*ownStore]{
		Name: runName,
		New:  func(context.Context, service.Env) (*ownStore, error) { return st, nil },
		Workers: []service.Worker[*ownStore]{{Name: "work", Run: func(s *ownStore, ctx context.Context) error {
			close(started)
			<-ctx.Done()
			s.note("worker stopped")
			return nil
		}}},
	}
}

// TestRunClosesTheStateAfterItsLoops: a state that is an io.Closer is closed exactly once,
// after its loops returned (none still uses the connection), and a failing Close is the
// stop's error, naming the service.
func TestRunClosesTheStateAfterItsLoops(t *testing.T) {
	t.Parallel()
	for _, closeErr := range []error{nil, errors.New("pool busy")} {
		st := &ownStore{err: closeErr}
		started := make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- runner.Run(ctx, closingSpec(st, started), testEnv(t)) }()
		select {
		case <-started:
		case err := <-done:
			t.Fatalf("Run returned before the service started: %v", err)
		}
		cancel()
		err := <-done
		if closeErr == nil && err != nil {
			t.Fatalf("Run after cancel = %v; want nil", err)
		}
		if closeErr != nil && (!errors.Is(err, closeErr) || !strings.Contains(err.Error(), runName)) {
			t.Fatalf("Run after cancel = %v; want the Close error naming the service", err)
		}
		st.mu.Lock()
		got := strings.Join(st.events, ", ")
		st.mu.Unlock()
		if got != "worker stopped, closed" {
			t.Fatalf("events %q; want the worker stopped, then the state closed once", got)
		}
	}
}
