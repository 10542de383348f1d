package schemas

import (
	"bytes"
	"math/big"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/hamba/avro/v2"

	"github.com/novatrek/support/schemas/internal/typegen"
)

// TestGeneratedCodeIsFresh regenerates the Go types from the .avsc files and compares them
// with the committed ones.
func TestGeneratedCodeIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go tool avrogen")
	}
	out, err := typegen.Generate(t.Context(), typegen.Config{Dir: "."})
	if err != nil {
		t.Fatalf("regenerating: %v", err)
	}
	for file, want := range map[string][]byte{"types_gen.go": out.Types, "eventmeta_gen.go": out.Meta} {
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: the schemas changed since it was generated; run `make generate` (go generate ./schemas) and commit the result", file)
		}
	}
}

// TestGeneratedTypesMatchLatest checks that every event and command schema has a generated
// type built from its latest version.
func TestGeneratedTypesMatchLatest(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, name := range c.Names() {
		if !IsShared(name) {
			events = append(events, name)
		}
	}
	if got := EventNames(); !slices.Equal(got, events) {
		t.Fatalf("EventNames = %v\nwant %v", got, events)
	}
	for _, name := range events {
		e, ok := New(name)
		if !ok {
			t.Fatalf("New(%q) not ok", name)
		}
		latest, _ := c.Latest(name)
		if e.Schema().Fingerprint() != latest.Schema.Fingerprint() {
			t.Errorf("%s: generated type's schema differs from v%d; run `make generate`", name, latest.Number)
		}
	}
	if _, ok := New("money"); ok {
		t.Error(`New("money") is ok; shared types are not events`)
	}
}

func TestEventRoundTrip(t *testing.T) {
	in := &PaymentRefunded{
		Metadata:          testMeta("payment.refunded"),
		RefundID:          "8f7d1c9a-2b1e-4e57-9b7a-0d6f1f3f2a10",
		PaymentID:         "0c3a6a55-7e89-4a55-8d1e-3a7c2c1b9e01",
		ReservationID:     "5b1f0e2c-8a4d-4c3b-9e6f-7a8b9c0d1e2f",
		GuestID:           "6c2a1f3d-9b5e-4d4c-8f7a-8b9c0d1e2f3a",
		Amount:            Money{Amount: big.NewRat(123456, 100), Currency: "USD"},
		FullRefund:        false,
		Reason:            "WEATHER_CANCELLATION",
		ProviderReference: "re_3PqX",
	}
	b, err := in.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var out PaymentRefunded
	if err := out.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if out.Amount.Amount.Cmp(in.Amount.Amount) != 0 || out.Reason != in.Reason || out.EventMeta().EventID != in.Metadata.EventID {
		t.Errorf("round trip changed the event: %+v", out)
	}
	if !out.Metadata.OccurredAt.Equal(in.Metadata.OccurredAt) {
		t.Errorf("occurred_at %v, want %v", out.Metadata.OccurredAt, in.Metadata.OccurredAt)
	}
}

// TestVersionsDecodeEachOther shows the version machinery: data written with v2 of
// reservation_created decodes with a v1 reader (the new fields are skipped), and v1 data
// with the v2 reader (the new fields take their defaults).
func TestVersionsDecodeEachOther(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	vs := c.Versions("reservation_created")
	if len(vs) < 2 {
		t.Fatal("reservation_created has no v2")
	}
	v1, v2 := vs[0].Schema, vs[1].Schema
	promo := "SPRING25"
	ev := &ReservationCreated{
		Metadata:        testMeta("reservation.created"),
		ReservationID:   "5b1f0e2c-8a4d-4c3b-9e6f-7a8b9c0d1e2f",
		GuestID:         "6c2a1f3d-9b5e-4d4c-8f7a-8b9c0d1e2f3a",
		TripID:          "TRP-GRANDCANYON-RAFT-7D",
		DepartureID:     "DEP-2026-06-14",
		DepartureDate:   time.Date(2026, 6, 14, 0, 0, 0, 0, time.UTC),
		PartySize:       2,
		Participants:    []Participant{{FullName: "Ana Ruiz", AgeGroup: "ADULT"}, {FullName: "Leo Ruiz", AgeGroup: "YOUTH"}},
		Status:          "CONFIRMED",
		TotalPrice:      Money{Amount: big.NewRat(389900, 100), Currency: "USD"},
		DepositDue:      Money{Amount: big.NewRat(77980, 100), Currency: "USD"},
		BookingChannel:  "WEB",
		PromoCode:       &promo,
		TravelInsurance: true,
	}
	v2data, err := avro.Marshal(v2, ev)
	if err != nil {
		t.Fatal(err)
	}

	type readerV1 struct {
		Metadata      EventMetadata `avro:"metadata"`
		ReservationID string        `avro:"reservation_id"`
		PartySize     int           `avro:"party_size"`
		Status        string        `avro:"status"`
	}
	resolved, err := avro.NewSchemaCompatibility().Resolve(v1, v2)
	if err != nil {
		t.Fatalf("resolving v2 writer to v1 reader: %v", err)
	}
	var old readerV1
	if err := avro.Unmarshal(resolved, v2data, &old); err != nil {
		t.Fatalf("v1 reader on v2 data: %v", err)
	}
	if old.ReservationID != ev.ReservationID || old.PartySize != 2 || old.Status != "CONFIRMED" || old.Metadata.EventID != ev.Metadata.EventID {
		t.Errorf("v1 reader got %+v", old)
	}

	v1data, err := avro.Marshal(v1, ev) // a v1 writer: the v2 fields are not written
	if err != nil {
		t.Fatal(err)
	}
	resolved, err = avro.NewSchemaCompatibility().Resolve(v2, v1)
	if err != nil {
		t.Fatalf("resolving v1 writer to v2 reader: %v", err)
	}
	var cur ReservationCreated
	if err := avro.Unmarshal(resolved, v1data, &cur); err != nil {
		t.Fatalf("v2 reader on v1 data: %v", err)
	}
	if cur.PromoCode != nil || cur.TravelInsurance || cur.TripID != ev.TripID || len(cur.Participants) != 2 {
		t.Errorf("v2 reader on v1 data: promo %v insurance %v trip %q participants %d; want defaults and the v1 fields",
			cur.PromoCode, cur.TravelInsurance, cur.TripID, len(cur.Participants))
	}
}

func testMeta(eventType string) EventMetadata {
	return EventMetadata{
		EventID:       "3d0f7a8e-5c1b-4e2d-9a6f-1b2c3d4e5f60",
		EventType:     eventType,
		OccurredAt:    time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC),
		Producer:      "svc-test",
		CorrelationID: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
	}
}
