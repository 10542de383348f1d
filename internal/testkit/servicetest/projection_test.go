package servicetest_test

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// projectionSpec is a service that only consumes (a projection such as svc-analytics): it
// produces nothing, so the runner gives it no outbox table.
var projectionSpec = &service.Spec[*projection]{
	Name: exampleName,
	Store: service.Store{Schema: "projection", Migrations: []migrate.Set{migrate.Dir("projection", fstest.MapFS{
		"migrations/0001_guests.sql": {Data: []byte(`CREATE TABLE guests (event_id uuid NOT NULL, name text NOT NULL CHECK (name <> ''))`)},
	}, "migrations")}},
	New:           func(context.Context, service.Env) (*projection, error) { return &projection{}, nil },
	Subscriptions: []service.Subscription[*projection]{service.On(topicGuests, (*projection).onGuestRegistered)},
}

type projection struct{}

func (*projection) onGuestRegistered(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.GuestRegistered]) error {
	_, err := tx.Exec(ctx, `INSERT INTO projection.guests VALUES ($1, $2)`, ev.Meta.EventID, ev.Value.FirstName)
	return err
}

// TestConformanceOfAServiceWithoutOutbox: the suite runs on a service that produces
// nothing (it used to fail reading the outbox table such a service does not have).
func TestConformanceOfAServiceWithoutOutbox(t *testing.T) {
	topo, err := topology.Load([]byte(`
services:
  - {name: svc-example, domain: support, ours: true, description: "A projection."}
  - {name: svc-guest-profiles, domain: guest-identity, description: "Guests."}
topics:
  - {name: ` + topicGuests + `, kind: event, partitions: 3, retention: 7d, cleanup_policy: delete, key: guest_id,
     value_schema: guest_registered, producers: [svc-guest-profiles], consumers: [svc-example]}
  - {name: novatrek.support.dlq.svc-example, kind: dead-letter, partitions: 1, retention: 30d, cleanup_policy: delete,
     key: the original record's key, producers: [svc-example]}
`))
	if err != nil {
		t.Fatal(err)
	}
	servicetest.Conformance(t, projectionSpec, servicetest.Fixture{
		Input:   topicGuests,
		Silent:  true,
		Valid:   func(i int) streamtest.Event { return registered(fmt.Sprint("projection-valid-", i), "Ada") },
		Failing: func(i int) streamtest.Event { return registered(fmt.Sprint("projection-failing-", i), "") },
		Effects: func(ctx context.Context, db store.DB, eventID string) (int, error) {
			var n int
			err := db.QueryRow(ctx, `SELECT count(*) FROM projection.guests WHERE event_id = $1`, eventID).Scan(&n)
			return n, err
		},
		Options: []servicetest.Option{servicetest.WithTopology(topo)},
	})
}
