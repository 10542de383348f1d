package payments

import (
	"context"
	"crypto/md5"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
)

// fixtureID is a deterministic UUID, the same as md5(name)::uuid in SQL.
func fixtureID(name string) uuid.UUID { return uuid.UUID(md5.Sum([]byte(name))) }

// contractFixtures is how many reservations the contract suite's world has deposits for.
const contractFixtures = 64

// TestConformance runs the shared stream contract suite (duplicate, rollback, poison, panic,
// stored offsets) on the Spec's reservation.status-changed subscription, bound as the runner
// binds it. Its world: reservations 0..63 each have a captured deposit; a valid input
// cancels one of them 60 days before departure, so its effect is a refund-policy evaluation
// (and a pending refund, which the refund worker executes and announces: the subscription
// itself emits nothing, hence Silent). Effects counts the evaluations an event caused, with no unique key
// to hide a double application. The consumer calls no provider (the refund worker does), so
// the providers' URLs lead nowhere.
func TestConformance(t *testing.T) {
	servicetest.Conformance(t, Spec, servicetest.Fixture{
		Seed: func(ctx context.Context, db store.DB) error {
			_, err := db.Exec(ctx, `INSERT INTO payments.payments (id, caller, idempotency_key, request_hash, type,
				reservation_id, guest_id, currency, amount_minor, authorized_minor, captured_minor, capture, method,
				provider, provider_reference, status, correlation_id, created_at, updated_at, authorized_at, captured_at)
			SELECT md5('pay-' || i)::uuid, 'svc-reservations', 'fixture-' || i, '\x00', 'DEPOSIT',
				md5('res-' || i)::uuid, md5('guest-' || i)::uuid, 'USD', 10000, 10000, 10000, true, 'CARD',
				'stripe', 'pi_fixture_' || i, 'captured', md5('corr-' || i)::uuid, now(), now(), now(), now()
			FROM generate_series(0, $1 - 1) AS i`, contractFixtures)
			return err
		},
		Silent:  true,
		Options: []servicetest.Option{servicetest.WithEnv("PAYMENTS_PSP_URL", "http://127.0.0.1:1", "PAYMENTS_FRAUD_URL", "http://127.0.0.1:1")},
		Input:   TopicReservationStatus,
		Valid: func(i int) streamtest.Event {
			if i >= contractFixtures {
				panic(fmt.Sprintf("contract fixture %d: only %d reservations have deposits", i, contractFixtures))
			}
			res := fixtureID(fmt.Sprint("res-", i)).String()
			ev := cancellation(res, fixtureID(fmt.Sprint("guest-", i)).String(), time.Now().AddDate(0, 0, 60), "guest cancelled")
			ev.Metadata.EventID = fixtureID(fmt.Sprint("event-", i)).String()
			return streamtest.Event{Key: res, EventID: ev.Metadata.EventID, Schema: ev.Schema(), Value: ev}
		},
		Failing: func(i int) streamtest.Event {
			// Well-formed Avro, but the reservation id is not a UUID: a permanent error.
			ev := cancellation("reservation-"+fmt.Sprint(i), uuid.NewString(), time.Now().AddDate(0, 0, 60), "guest cancelled")
			ev.Metadata.EventID = fixtureID(fmt.Sprint("failing-", i)).String()
			return streamtest.Event{Key: ev.ReservationID, EventID: ev.Metadata.EventID, Schema: ev.Schema(), Value: ev}
		},
		Effects: func(ctx context.Context, db store.DB, eventID string) (int, error) {
			var n int
			err := db.QueryRow(ctx, `SELECT count(*) FROM payments.refund_policy_evaluations WHERE event_id = $1`, eventID).Scan(&n)
			return n, err
		},
	})
}
