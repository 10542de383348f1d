package serde

import (
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/compat"
	"github.com/novatrek/support/internal/platform/registry"
)

const topic = "novatrek.booking.reservation.created"

const metadataSchema = `{"type":"record","name":"EventMetadata","namespace":"com.novatrek","fields":[
	{"name":"event_id","type":{"type":"string","logicalType":"uuid"}},
	{"name":"event_type","type":"string"},
	{"name":"occurred_at","type":{"type":"long","logicalType":"timestamp-millis"}},
	{"name":"producer","type":"string"},
	{"name":"correlation_id","type":{"type":"string","logicalType":"uuid"}},
	{"name":"causation_id","type":["null","string"],"default":null}]}`

func reservationSchema(extra ...string) string {
	fields := []string{
		`{"name":"metadata","type":` + metadataSchema + `}`,
		`{"name":"reservation_id","type":"string"}`,
		`{"name":"guest_id","type":"string"}`,
		`{"name":"status","type":{"type":"enum","name":"ReservationStatus","symbols":["PENDING","CONFIRMED","CANCELLED"]}}`,
		`{"name":"total","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}}`,
		`{"name":"currency","type":"string"}`,
	}
	return `{"type":"record","name":"ReservationCreated","namespace":"com.novatrek.booking","fields":[` +
		strings.Join(append(fields, extra...), ",") + `]}`
}

var (
	reservationV1 = reservationSchema()
	reservationV2 = reservationSchema(
		`{"name":"party_size","type":"int","default":2}`,
		`{"name":"notes","type":["null","string"],"default":null}`,
		`{"name":"tags","type":{"type":"array","items":"string"},"default":[]}`)
	// reservationV3 needs a field v1 data lacks: it cannot read v1 records.
	reservationV3 = reservationSchema(`{"name":"party_size","type":"int"}`)
)

type EventMetadata struct {
	EventID       string    `avro:"event_id"`
	EventType     string    `avro:"event_type"`
	OccurredAt    time.Time `avro:"occurred_at"`
	Producer      string    `avro:"producer"`
	CorrelationID string    `avro:"correlation_id"`
	CausationID   *string   `avro:"causation_id"`
}

type ReservationV1 struct {
	Metadata      EventMetadata `avro:"metadata"`
	ReservationID string        `avro:"reservation_id"`
	GuestID       string        `avro:"guest_id"`
	Status        string        `avro:"status"`
	Total         *big.Rat      `avro:"total"`
	Currency      string        `avro:"currency"`
}

type ReservationV2 struct {
	Metadata      EventMetadata `avro:"metadata"`
	ReservationID string        `avro:"reservation_id"`
	GuestID       string        `avro:"guest_id"`
	Status        string        `avro:"status"`
	Total         *big.Rat      `avro:"total"`
	Currency      string        `avro:"currency"`
	PartySize     int           `avro:"party_size"`
	Notes         *string       `avro:"notes"`
	Tags          []string      `avro:"tags"`
}

func sampleMetadata() EventMetadata {
	return EventMetadata{
		EventID:       "6f1c1c2e-1d7b-4d8e-9a7a-0c3f0f6f2a11",
		EventType:     "ReservationCreated",
		OccurredAt:    time.UnixMilli(1_760_000_000_123).UTC(),
		Producer:      "svc-booking",
		CorrelationID: "0b0e3c5e-4a59-4c39-8f61-3e3c2b7f9d01",
	}
}

func sampleV1() ReservationV1 {
	return ReservationV1{Metadata: sampleMetadata(), ReservationID: "res-1001", GuestID: "guest-42",
		Status: "CONFIRMED", Total: big.NewRat(129950, 100), Currency: "EUR"}
}

func sampleV2() ReservationV2 {
	note := "window seat"
	return ReservationV2{Metadata: sampleMetadata(), ReservationID: "res-1002", GuestID: "guest-43",
		Status: "PENDING", Total: big.NewRat(4200, 100), Currency: "USD", PartySize: 4, Notes: &note,
		Tags: []string{"family", "kayak"}}
}

// parse parses with a private cache so v1 and v2 of one record name never collide.
func parse(tb testing.TB, s string) avro.Schema {
	tb.Helper()
	sch, err := avro.ParseWithCache(s, "", &avro.SchemaCache{})
	if err != nil {
		tb.Fatalf("parsing schema: %v", err)
	}
	return sch
}

// env is a real registry behind httptest, a franz-go client for it, and a request counter.
type env struct {
	srv      *httptest.Server
	client   *sr.Client
	requests atomic.Int64
	fail     atomic.Bool // answer every request with 500
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	reg, err := registry.New(registry.Config{DefaultCompatibility: compat.BackwardTransitive})
	if err != nil {
		tb.Fatal(err)
	}
	e := &env{}
	h := reg.Handler()
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.Add(1)
		if e.fail.Load() {
			w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error_code":50001,"message":"Error in the backend data store"}`))
			return
		}
		h.ServeHTTP(w, r)
	}))
	tb.Cleanup(e.srv.Close)
	e.client, err = sr.NewClient(sr.URLs(e.srv.URL))
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// register registers text under topic's subject the way `novatrek schemas register` would.
func (e *env) register(tb testing.TB, text string) int {
	tb.Helper()
	id, err := e.client.RegisterSchema(tb.Context(), Subject(topic), sr.Schema{Schema: text}, -1, -1)
	if err != nil {
		tb.Fatalf("registering: %v", err)
	}
	return id
}
