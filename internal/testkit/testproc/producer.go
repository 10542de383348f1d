package testproc

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// idSpace namespaces the test producer's derived ids (uuid v5), so the same seed and index
// always give the same event id and key.
var idSpace = uuid.MustParse("6f0e4c52-8d5b-4f5e-9a43-2b7f0c1d9e10")

func derivedID(parts ...string) string {
	name := ""
	for _, p := range parts {
		name += p + "/"
	}
	return uuid.NewSHA1(idSpace, []byte(name)).String()
}

// Encoder encodes a value for a topic in the Confluent wire format (an *serde.Serde).
type Encoder interface {
	Encode(ctx context.Context, topic string, schema avro.Schema, v any) ([]byte, error)
}

// Producer generates well-formed reservation events. Ids derive from Seed and the event's
// index, so two producers with the same seed produce the same events (same event ids, same
// keys) — what a redelivery or a replay looks like.
type Producer struct {
	// Seed distinguishes independent streams of events; default "testproc".
	Seed string
	// Reservations is how many distinct reservations (keys) the events spread over;
	// default 1000.
	Reservations int
	// Base is the occurred-at time of created event 0; later events are 1ms apart. Status
	// changes start a day later, after every created event of a test. Default
	// 2026-01-01T00:00:00Z.
	Base time.Time
}

func (g Producer) seed() string {
	if g.Seed == "" {
		return "testproc"
	}
	return g.Seed
}

func (g Producer) reservations() int {
	if g.Reservations <= 0 {
		return 1000
	}
	return g.Reservations
}

func (g Producer) at(i int) time.Time {
	base := g.Base
	if base.IsZero() {
		base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return base.Add(time.Duration(i) * time.Millisecond)
}

// ReservationID returns the id (and record key) of reservation k.
func (g Producer) ReservationID(k int) string {
	return derivedID(g.seed(), "reservation", strconv.Itoa(k))
}

// Created returns created event i, for reservation i mod Reservations.
func (g Producer) Created(i int) *schemas.ReservationCreated {
	k := i % g.reservations()
	rid := g.ReservationID(k)
	guest := derivedID(g.seed(), "guest", strconv.Itoa(k))
	price := big.NewRat(int64(129900+i%1000*100), 100)
	return &schemas.ReservationCreated{
		Metadata:      g.meta(CreatedTopic, derivedID(g.seed(), "created", strconv.Itoa(i)), g.at(i), rid),
		ReservationID: rid,
		GuestID:       guest,
		TripID:        "TRP-GRANDCANYON-RAFT-7D",
		DepartureID:   "DEP-2026-06-" + strconv.Itoa(1+k%28),
		DepartureDate: time.Date(2026, 6, 1+k%28, 0, 0, 0, 0, time.UTC),
		PartySize:     1 + k%6,
		Participants: []schemas.Participant{
			{GuestID: &guest, FullName: "Guest " + strconv.Itoa(k), AgeGroup: "ADULT"},
		},
		Status:         "PENDING",
		TotalPrice:     schemas.Money{Amount: price, Currency: "USD"},
		DepositDue:     schemas.Money{Amount: new(big.Rat).Quo(price, big.NewRat(5, 1)), Currency: "USD"},
		BookingChannel: "WEB",
	}
}

// meta stamps an event of svc-reservations on topic: a reservation's events share its id as
// their correlation (the flow is the reservation's life).
func (g Producer) meta(topic, id string, at time.Time, reservationID string) schemas.EventMetadata {
	m := event.Meta{ID: id, OccurredAt: at, Producer: "svc-reservations", Lineage: event.Lineage{Correlation: reservationID}}
	return m.Build(topology.Topic{Name: topic}, at)
}

// statuses is the lifecycle a reservation walks through, one status change per step.
var statuses = []string{"PENDING", "CONFIRMED", "COMPLETED", "CANCELLED", "NO_SHOW"}

// StatusChanged returns status change i: the (i / Reservations)-th change of reservation
// i mod Reservations. Its occurred-at grows with i, so the changes of one reservation are in
// time order exactly when they are handled in index order.
func (g Producer) StatusChanged(i int) *schemas.ReservationStatusChanged {
	k := i % g.reservations()
	step := i / g.reservations()
	rid := g.ReservationID(k)
	return &schemas.ReservationStatusChanged{
		Metadata:       g.meta(StatusTopic, derivedID(g.seed(), "status", strconv.Itoa(i)), g.at(i).Add(24*time.Hour), rid),
		ReservationID:  rid,
		GuestID:        derivedID(g.seed(), "guest", strconv.Itoa(k)),
		TripID:         "TRP-GRANDCANYON-RAFT-7D",
		DepartureDate:  time.Date(2026, 6, 1+k%28, 0, 0, 0, 0, time.UTC),
		PreviousStatus: statuses[step%len(statuses)],
		NewStatus:      statuses[(step+1)%len(statuses)],
	}
}

// CreatedRecord returns created event i as a record for topic, encoded with enc.
func (g Producer) CreatedRecord(ctx context.Context, enc Encoder, topic string, i int) (*kgo.Record, error) {
	ev := g.Created(i)
	return record(ctx, enc, topic, ev.ReservationID, ev.Schema(), ev)
}

// StatusRecord returns status change i as a record for topic, encoded with enc.
func (g Producer) StatusRecord(ctx context.Context, enc Encoder, topic string, i int) (*kgo.Record, error) {
	ev := g.StatusChanged(i)
	return record(ctx, enc, topic, ev.ReservationID, ev.Schema(), ev)
}

func record(ctx context.Context, enc Encoder, topic, key string, schema avro.Schema, v any) (*kgo.Record, error) {
	b, err := enc.Encode(ctx, topic, schema, v)
	if err != nil {
		return nil, fmt.Errorf("testproc: encode %s: %w", topic, err)
	}
	return &kgo.Record{Topic: topic, Key: []byte(key), Value: b}, nil
}

// ProduceCreated produces created events [from, to) to CreatedTopic and waits for their
// acknowledgement.
func (g Producer) ProduceCreated(ctx context.Context, cl *kgo.Client, enc Encoder, from, to int) error {
	return g.produce(ctx, cl, from, to, func(i int) (*kgo.Record, error) {
		return g.CreatedRecord(ctx, enc, CreatedTopic, i)
	})
}

// ProduceStatusChanges produces status changes [from, to) to StatusTopic and waits for
// their acknowledgement.
func (g Producer) ProduceStatusChanges(ctx context.Context, cl *kgo.Client, enc Encoder, from, to int) error {
	return g.produce(ctx, cl, from, to, func(i int) (*kgo.Record, error) {
		return g.StatusRecord(ctx, enc, StatusTopic, i)
	})
}

// produce sends records in chunks, in index order: records of one key keep their order.
func (g Producer) produce(ctx context.Context, cl *kgo.Client, from, to int, build func(int) (*kgo.Record, error)) error {
	const chunk = 5000
	for lo := from; lo < to; lo += chunk {
		hi := min(lo+chunk, to)
		recs := make([]*kgo.Record, 0, hi-lo)
		for i := lo; i < hi; i++ {
			r, err := build(i)
			if err != nil {
				return err
			}
			recs = append(recs, r)
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return fmt.Errorf("testproc: produce events %d..%d: %w", lo, hi, err)
		}
	}
	return nil
}
