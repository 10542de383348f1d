package streamtest

import (
	"context"
	"testing"

	"github.com/novatrek/support/outbox"
)

// StartRelay runs an outbox relay configured by cfg until the test ends, then stops it and
// waits for it, and returns it (to be woken by a processor: stream.Config.Outbox). Run
// fails only when the relay cannot start its producer; that fails the test.
func StartRelay(t testing.TB, cfg outbox.Config) *outbox.Relay {
	t.Helper()
	relay, err := outbox.NewRelay(cfg)
	if err != nil {
		t.Fatalf("outbox relay: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- relay.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("outbox relay: %v", err)
		}
	})
	return relay
}
