package testproc_test

import (
	"testing"

	"github.com/novatrek/support/internal/serde"
	"github.com/novatrek/support/internal/stream"
	"github.com/novatrek/support/internal/stream/streamtest"
	"github.com/novatrek/support/internal/testproc"
	"github.com/novatrek/support/schemas"
)

// TestContract runs the shared processor contract suite on the test processor, through
// its per-event routes and through its batch routes.
func TestContract(t *testing.T) {
	t.Run("PerEvent", func(t *testing.T) { streamtest.Run(t, subject(false)) })
	t.Run("Batch", func(t *testing.T) { streamtest.Run(t, subject(true)) })
}

// subject describes the test processor to the suite; inputs go to CreatedTopic.
func subject(batch bool) streamtest.Subject {
	g := testproc.Producer{Seed: "contract"}
	event := func(ev *schemas.ReservationCreated) streamtest.Event {
		return streamtest.Event{Key: ev.ReservationID, EventID: ev.Metadata.EventID, Schema: ev.Schema(), Value: ev}
	}
	return streamtest.Subject{
		Group:   testproc.Group,
		Schema:  testproc.Schema,
		Migrate: testproc.Migrate,
		Routes: func(schema string, enc *serde.Serde) ([]stream.Route, error) {
			p, err := testproc.New(schema, enc)
			if err != nil {
				return nil, err
			}
			if batch {
				return p.BatchRoutes(), nil
			}
			return p.Routes(), nil
		},
		Input: testproc.CreatedTopic,
		Valid: func(i int) streamtest.Event { return event(g.Created(i)) },
		Failing: func(i int) streamtest.Event {
			ev := g.Created(i)
			ev.PartySize = 0 // breaks CHECK (party_size > 0) after the outbox insert
			return event(ev)
		},
		Effects: testproc.Effects,
		Outputs: []string{testproc.OutputTopic},
	}
}
