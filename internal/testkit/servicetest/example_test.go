package servicetest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"
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

// The example service: it greets each registered guest (a row), tells loyalty about it (an
// event through the outbox), and serves the greeting to svc-analytics. Everything it is, is
// this Spec; the runner does the rest.
const (
	exampleName   = "svc-example"
	topicGuests   = "novatrek.guest.guest.registered"
	topicWelcomed = "novatrek.support.example.welcomed"
)

var exampleSpec = &service.Spec[*example]{
	Name: exampleName,
	Store: service.Store{Schema: "example", Migrations: []migrate.Set{migrate.Dir("example", fstest.MapFS{
		// No unique key: a double effect shows as a second row (Conformance's Effects). The
		// CHECK refuses a greeting without a name: the handler's permanent failure.
		"migrations/0001_greetings.sql": {Data: []byte(`CREATE TABLE greetings (event_id uuid NOT NULL, guest_id uuid NOT NULL,
			text text NOT NULL CHECK (text <> 'Welcome, '))`)},
	}, "migrations")}},
	New:           func(_ context.Context, env service.Env) (*example, error) { return &example{env: env}, nil },
	Subscriptions: []service.Subscription[*example]{service.On(topicGuests, (*example).onGuestRegistered)},
	Produces:      []string{topicWelcomed},
	API: service.API[*example]{Routes: []service.Route[*example]{
		{Pattern: "GET /v1/greetings/{id}", Access: service.Perm("greetings:read", "svc-analytics"), Handle: (*example).getGreeting},
	}},
}

type example struct{ env service.Env }

func (e *example) onGuestRegistered(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.GuestRegistered]) error {
	g := ev.Value
	// No metadata here: Emit stamps it, its lineage caused by ev (the handler's context
	// carries it), and finds topic and key in topics.yaml. It emits first so that a refused
	// greeting below rolls the emitted event back with it.
	if err := e.env.Emit.Emit(ctx, tx, &schemas.LoyaltyTierChanged{GuestID: g.GuestID, PreviousTier: "UNKNOWN",
		NewTier: "EXPLORER", Direction: "PROMOTION", EffectiveAt: ev.Meta.OccurredAt}); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO example.greetings VALUES ($1, $2, $3)`, ev.Meta.EventID, g.GuestID, "Welcome, "+g.FirstName)
	return err
}

func (e *example) getGreeting(w http.ResponseWriter, r *http.Request) error {
	var text string
	if err := e.env.DB.QueryRow(r.Context(), `SELECT text FROM example.greetings WHERE guest_id = $1 LIMIT 1`, r.PathValue("id")).Scan(&text); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(map[string]string{"greeting": text})
}

// exampleTopology is topics.yaml for the example alone, reusing existing value schemas.
func exampleTopology(t *testing.T) *topology.Topology {
	t.Helper()
	topo, err := topology.Load([]byte(`
services:
  - {name: svc-example, domain: support, ours: true, description: "The servicetest example."}
  - {name: svc-guest-profiles, domain: guest-identity, description: "Guests."}
  - {name: svc-analytics, domain: support, ours: true, description: "Reads greetings."}
  - {name: svc-reservations, domain: booking, description: "Calls without the permission."}
topics:
  - {name: ` + topicGuests + `, kind: event, partitions: 3, retention: 7d, cleanup_policy: delete, key: guest_id,
     value_schema: guest_registered, producers: [svc-guest-profiles], consumers: [svc-example]}
  - {name: ` + topicWelcomed + `, kind: event, partitions: 3, retention: 7d, cleanup_policy: delete, key: guest_id,
     value_schema: loyalty_tier_changed, producers: [svc-example]}
  - {name: novatrek.support.dlq.svc-example, kind: dead-letter, partitions: 1, retention: 30d, cleanup_policy: delete,
     key: the original record's key, producers: [svc-example]}
`))
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

// TestExampleServiceFromASpec is issue 12's proof: a service declared in a test file alone
// consumes an event, writes a row, publishes through the outbox and serves an authorized
// route (401 without a token, 403 for a known caller without the permission, 200 allowed).
func TestExampleServiceFromASpec(t *testing.T) {
	t.Parallel()
	svc := servicetest.Start(t, exampleSpec, servicetest.WithTopology(exampleTopology(t)),
		servicetest.WithTokens(map[string]string{
			"svc-analytics":    servicetest.Token("svc-analytics"),
			"svc-reservations": servicetest.Token("svc-reservations"),
		}))

	guest := uuid.NewString()
	in := &schemas.GuestRegistered{Metadata: schemas.EventMetadata{EventID: uuid.NewString(), EventType: "guest.registered",
		OccurredAt: time.Now().UTC().Truncate(time.Millisecond), Producer: "svc-guest-profiles", CorrelationID: uuid.NewString()},
		GuestID: guest, Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"}
	svc.Publish(topicGuests, guest, in)

	var text string
	svc.AwaitRow([]any{&text}, `SELECT text FROM example.greetings WHERE guest_id = $1`, guest)
	if text != "Welcome, Ada" {
		t.Errorf("greeting row = %q", text)
	}
	out := servicetest.AwaitEvent[schemas.LoyaltyTierChanged](svc, topicWelcomed,
		func(e *schemas.LoyaltyTierChanged) bool { return e.GuestID == guest })
	if out.Metadata.Producer != exampleName || out.Metadata.CausationID == nil || *out.Metadata.CausationID != in.Metadata.EventID ||
		out.Metadata.CorrelationID != in.Metadata.CorrelationID || out.Metadata.EventID == "" || out.Metadata.EventID == in.Metadata.EventID {
		t.Errorf("published metadata %+v does not follow the input event %+v", out.Metadata, in.Metadata)
	}

	path := "/v1/greetings/" + guest
	for _, tc := range []struct {
		caller string
		status int
		body   string
	}{
		{"", http.StatusUnauthorized, `"type":"urn:novatrek:problem:unauthenticated"`},
		{"svc-reservations", http.StatusForbidden, `"permission":"greetings:read"`},
		{"svc-analytics", http.StatusOK, `{"greeting":"Welcome, Ada"}`},
	} {
		resp := svc.Call(tc.caller, "GET", path, nil)
		if resp.Status != tc.status || !strings.Contains(string(resp.Body), tc.body) {
			t.Errorf("GET %s as %q = %d %s; want %d with %s", path, tc.caller, resp.Status, resp.Body, tc.status, tc.body)
		}
	}
}

// TestExampleConformance runs the shared conformance suite on the example, as every service
// does: one line and its fixture.
func TestExampleConformance(t *testing.T) {
	servicetest.Conformance(t, exampleSpec, exampleFixture(t))
}

func exampleFixture(t *testing.T) servicetest.Fixture {
	return servicetest.Fixture{
		Input:   topicGuests,
		Valid:   func(i int) streamtest.Event { return registered(fmt.Sprint("valid-", i), "Ada") },
		Failing: func(i int) streamtest.Event { return registered(fmt.Sprint("failing-", i), "") },
		Effects: func(ctx context.Context, db store.DB, eventID string) (int, error) {
			var n int
			err := db.QueryRow(ctx, `SELECT count(*) FROM example.greetings WHERE event_id = $1`, eventID).Scan(&n)
			return n, err
		},
		Options: []servicetest.Option{servicetest.WithTopology(exampleTopology(t))},
	}
}

// registered is the guest.registered event named name, its ids derived from name (a fixture
// asked twice for the same event gets the same one).
func registered(name, firstName string) streamtest.Event {
	id := func(part string) string {
		return uuid.NewSHA1(uuid.NameSpaceURL, []byte("example/"+part+"/"+name)).String()
	}
	ev := &schemas.GuestRegistered{Metadata: schemas.EventMetadata{EventID: id("event"), EventType: "guest.registered",
		OccurredAt: time.Now().UTC().Truncate(time.Millisecond), Producer: "svc-guest-profiles", CorrelationID: id("correlation")},
		GuestID: id("guest"), Email: "guest@example.com", FirstName: firstName, LastName: "Example"}
	return streamtest.Event{Key: ev.GuestID, EventID: ev.Metadata.EventID, Schema: ev.Schema(), Value: ev}
}

// TestRestartResumesAndAwaitApplied: after Restart (a new New, the same database and
// cluster) the service applies new events and not the old ones again.
func TestRestartResumesAndAwaitApplied(t *testing.T) {
	t.Parallel()
	svc := servicetest.Start(t, exampleSpec, servicetest.WithTopology(exampleTopology(t)))
	publish := func(name string) string {
		ev := registered(name, "Ada")
		svc.Publish(topicGuests, ev.Key, ev.Value.(*schemas.GuestRegistered))
		svc.AwaitApplied(ev.EventID)
		return ev.EventID
	}
	first := publish("before restart")
	before := svc.State
	svc.Restart()
	if svc.State == before {
		t.Error("Restart did not build a new state")
	}
	second := publish("after restart")
	for _, id := range []string{first, second} {
		var n int
		if err := svc.DB.QueryRow(context.Background(), `SELECT count(*) FROM example.greetings WHERE event_id = $1`, id).Scan(&n); err != nil || n != 1 {
			t.Errorf("event %s: %d greetings (%v), want 1", id, n, err)
		}
	}
}

// TestRestartWithRunsItsStepWhileTheServiceIsDown: the step runs between stop and start;
// a row it deletes is gone and an event published after the restart is applied.
func TestRestartWithRunsItsStepWhileTheServiceIsDown(t *testing.T) {
	t.Parallel()
	svc := servicetest.Start(t, exampleSpec, servicetest.WithTopology(exampleTopology(t)))
	ev := registered("before the step", "Ada")
	svc.Publish(topicGuests, ev.Key, ev.Value.(*schemas.GuestRegistered))
	svc.AwaitApplied(ev.EventID)
	ran := false
	svc.RestartWith(func() {
		ran = true
		if _, err := svc.DB.Exec(context.Background(), `DELETE FROM example.greetings`); err != nil {
			t.Fatal(err)
		}
	})
	after := registered("after the step", "Bo")
	svc.Publish(topicGuests, after.Key, after.Value.(*schemas.GuestRegistered))
	svc.AwaitApplied(after.EventID)
	var n int
	if err := svc.DB.QueryRow(context.Background(), `SELECT count(*) FROM example.greetings`).Scan(&n); err != nil || !ran || n != 1 {
		t.Errorf("after RestartWith: step ran %v, %d greetings (%v); want the step run and only the new greeting", ran, n, err)
	}
}
