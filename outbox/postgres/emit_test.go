package pgoutbox_test

import (
	"context"
	"math/big"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/platform/registry"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
	"github.com/novatrek/support/schemas"
)

const topicProcessed = "novatrek.support.payment.processed"

// newSerde is a serde on our in-memory registry, registering schemas as it encodes.
func newSerde(t *testing.T) *serde.Serde {
	t.Helper()
	reg, err := registry.New(registry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)
	cl, err := sr.NewClient(sr.URLs(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return serde.New(cl, serde.AutoRegister())
}

func payment(id string) *schemas.PaymentProcessed {
	return &schemas.PaymentProcessed{PaymentID: id, ReservationID: id, GuestID: id,
		Amount: schemas.Money{Amount: big.NewRat(1999, 100), Currency: "USD"}, PaymentType: "DEPOSIT",
		Method: "CARD", Status: "AUTHORIZED", Provider: "stripe", ProviderReference: "ch_1"}
}

// TestEmitterStampsEncodesAndEnqueues: Emit in a transaction leaves one outbox row on the
// topic that carries the event's schema, keyed by the topic's key field, whose value decodes to
// the event with metadata stamped from the context's lineage, and the trace context in a header.
func TestEmitterStampsEncodesAndEnqueues(t *testing.T) {
	t.Parallel()
	pool, ob := newOutbox(t)
	sd := newSerde(t)
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	em, err := outbox.NewEmitter(outbox.EmitterConfig[pgoutbox.Execer]{Producer: "svc-payments",
		Topics: []string{topicProcessed}, Topology: topo, Encoder: sd, Outbox: ob, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cause := schemas.EventMetadata{EventID: "11111111-1111-4111-8111-111111111111", CorrelationID: "22222222-2222-4222-8222-222222222222"}
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	l := event.CausedBy(cause)
	l.Traceparent = tp
	pid := "33333333-3333-4333-8333-333333333333"

	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := em.Emit(event.With(ctx, l), tx, payment(pid)); err != nil {
		t.Fatal(err)
	}
	if err := em.Emit(ctx, tx, &schemas.PaymentRefunded{}); err == nil || !strings.Contains(err.Error(), "svc-payments does not emit *schemas.PaymentRefunded") {
		t.Errorf("event outside Topics: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	sess, ok, err := ob.Store(pool).TryLead(ctx)
	if err != nil || !ok {
		t.Fatalf("lead: %v %v", ok, err)
	}
	defer sess.Close(ctx)
	rows, err := sess.Fetch(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rows))
	}
	m := rows[0].Message
	if m.Topic != topicProcessed || string(m.Key) != pid || len(m.Headers) != 1 || m.Headers[0].Key != "traceparent" || string(m.Headers[0].Value) != tp {
		t.Errorf("row: topic %s key %s headers %v", m.Topic, m.Key, m.Headers)
	}
	var got schemas.PaymentProcessed
	if err := sd.Decode(ctx, m.Value, got.Schema(), &got); err != nil {
		t.Fatal(err)
	}
	md := got.Metadata
	if md.EventType != "payment.processed" || md.Producer != "svc-payments" || !md.OccurredAt.Equal(now) ||
		md.CorrelationID != cause.CorrelationID || md.CausationID == nil || *md.CausationID != cause.EventID || md.EventID == "" {
		t.Errorf("metadata %+v", md)
	}
}

// TestEmitterOptionsOverrideTheContext: a derived id, an explicit time and lineage win, so a
// replayed handler rebuilds the very same event.
func TestEmitterOptionsOverrideTheContext(t *testing.T) {
	t.Parallel()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	_, ob := newOutbox(t)
	em, err := outbox.NewEmitter(outbox.EmitterConfig[pgoutbox.Execer]{Producer: "svc-payments",
		Topics: []string{topicProcessed}, Topology: topo, Encoder: newSerde(t), Outbox: ob})
	if err != nil {
		t.Fatal(err)
	}
	ctx := event.With(context.Background(), event.Lineage{Correlation: "ignored"})
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	id := "44444444-4444-4444-8444-444444444444"
	build := func() schemas.EventMetadata {
		ev := payment(id)
		msg, err := em.Prepare(ctx, ev, outbox.ID(id), outbox.At(at), outbox.Lineage(event.Lineage{Correlation: id}), outbox.Key("k"))
		if err != nil || string(msg.Key) != "k" {
			t.Fatalf("prepare: key %q, %v", msg.Key, err)
		}
		return ev.Metadata
	}
	first, again := build(), build()
	if first != again || first.EventID != id || first.CorrelationID != id || !first.OccurredAt.Equal(at) || first.CausationID != nil {
		t.Errorf("first %+v, again %+v", first, again)
	}
}

// TestNewEmitterChecksTopicsYAML: a topic the producer does not produce, or one not declared,
// is refused when the service starts, not when the first event is emitted.
func TestNewEmitterChecksTopicsYAML(t *testing.T) {
	t.Parallel()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	ob, err := pgoutbox.New("svc")
	if err != nil {
		t.Fatal(err)
	}
	_, err = outbox.NewEmitter(outbox.EmitterConfig[pgoutbox.Execer]{Producer: "svc-notifications",
		Topics: []string{topicProcessed, "novatrek.nope"}, Topology: topo, Encoder: serde.New(nil), Outbox: ob})
	for _, want := range []string{"svc-notifications is not a producer of " + topicProcessed, "topic novatrek.nope is not in topics.yaml"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}
