package testproc_test

import (
	"testing"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// TestContract runs the shared processor contract suite on the test processor, through
// its per-event routes (writes sent at once, and deferred to the commit's round trip) and
// through its batch routes.
func TestContract(t *testing.T) {
	t.Run("PerEvent", func(t *testing.T) { streamtest.Run(t, subject(false)) })
	t.Run("PerEventDeferred", func(t *testing.T) { streamtest.Run(t, testproc.DeferredSubject("contract")) })
	t.Run("Batch", func(t *testing.T) { streamtest.Run(t, subject(true)) })
}

// subject describes the test processor to the suite; inputs go to CreatedTopic.
func subject(batch bool) streamtest.Subject { return testproc.Subject("contract", batch) }
