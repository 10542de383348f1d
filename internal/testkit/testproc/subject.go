package testproc

import (
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/schemas"
)

// Subject describes the test processor to the stream contract suite (streamtest) and its
// harness. Inputs are Producer{Seed: seed}'s created events on CreatedTopic; Failing(i) is
// Created(i) with party_size 0, which breaks CHECK (party_size > 0) after the outbox insert,
// so it is rejected permanently and dead-lettered. batch picks BatchRoutes over the
// per-event Routes.
func Subject(seed string, batch bool) streamtest.Subject {
	if batch {
		return subject(seed, (*Processor).BatchRoutes)
	}
	return subject(seed, (*Processor).Routes)
}

// DeferredSubject is Subject with the per-event DeferredRoutes.
func DeferredSubject(seed string) streamtest.Subject {
	return subject(seed, (*Processor).DeferredRoutes)
}

func subject(seed string, routes func(*Processor) []stream.Route) streamtest.Subject {
	g := Producer{Seed: seed}
	event := func(ev *schemas.ReservationCreated) streamtest.Event {
		return streamtest.Event{Key: ev.ReservationID, EventID: ev.Metadata.EventID, Schema: ev.Schema(), Value: ev}
	}
	return streamtest.Subject{
		Group:   Group,
		Schema:  Schema,
		Migrate: Migrate,
		Routes: func(schema string, enc *serde.Serde) ([]stream.Route, error) {
			p, err := New(schema, enc)
			if err != nil {
				return nil, err
			}
			return routes(p), nil
		},
		Input: CreatedTopic,
		Valid: func(i int) streamtest.Event { return event(g.Created(i)) },
		Failing: func(i int) streamtest.Event {
			ev := g.Created(i)
			ev.PartySize = 0
			return event(ev)
		},
		Effects: Effects,
		Outputs: []string{OutputTopic},
	}
}
