package serde

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := New(e.client, AutoRegister())
	schema := parse(t, reservationV2)
	in := sampleV2()

	data, err := s.Encode(t.Context(), topic, schema, &in)
	if err != nil {
		t.Fatal(err)
	}
	id, err := SchemaID(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.client.SchemaByVersion(t.Context(), Subject(topic), -1)
	if err != nil || got.ID != id || data[0] != 0 || binary.BigEndian.Uint32(data[1:5]) != uint32(id) {
		t.Fatalf("header %x, registered %+v (%v)", data[:5], got, err)
	}

	// A second Serde knows nothing: it fetches the writer schema by id.
	var out ReservationV2
	if err := New(e.client).Decode(t.Context(), data, schema, &out); err != nil {
		t.Fatal(err)
	}
	assertReservation(t, out, in)

	prefix := []byte("keep")
	appended, err := s.AppendEncode(t.Context(), prefix, topic, schema, &in)
	if err != nil || string(appended[:4]) != "keep" || string(appended[4:]) != string(data) {
		t.Errorf("AppendEncode = %x, %v; want %q + %x", appended, err, prefix, data)
	}
}

func assertReservation(t *testing.T, got, want ReservationV2) {
	t.Helper()
	if got.Total == nil || got.Total.Cmp(want.Total) != 0 {
		t.Errorf("total = %v, want %v", got.Total, want.Total)
	}
	got.Total, want.Total = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", got, want)
	}
}

// TestEvolution: a v1 consumer reads v2 records and a v2 consumer reads v1 records.
func TestEvolution(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v1, v2 := parse(t, reservationV1), parse(t, reservationV2)
	id1 := e.register(t, reservationV1)
	id2 := e.register(t, reservationV2)
	producer, consumer := New(e.client), New(e.client)

	in2 := sampleV2()
	data2, err := producer.Encode(t.Context(), topic, v2, &in2)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := SchemaID(data2); id != id2 {
		t.Fatalf("v2 record framed with id %d, want %d", id, id2)
	}
	var asV1 ReservationV1
	if err := consumer.Decode(t.Context(), data2, v1, &asV1); err != nil {
		t.Fatalf("v1 reader on v2 data: %v", err)
	}
	if asV1.ReservationID != in2.ReservationID || asV1.Total.Cmp(in2.Total) != 0 || asV1.Metadata != in2.Metadata {
		t.Errorf("v1 reader on v2 data: %+v", asV1)
	}

	in1 := sampleV1()
	data1, err := producer.Encode(t.Context(), topic, v1, &in1)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := SchemaID(data1); id != id1 {
		t.Fatalf("v1 record framed with id %d, want %d", id, id1)
	}
	var asV2 ReservationV2
	if err := consumer.Decode(t.Context(), data1, v2, &asV2); err != nil {
		t.Fatalf("v2 reader on v1 data: %v", err)
	}
	assertReservation(t, asV2, ReservationV2{Metadata: in1.Metadata, ReservationID: in1.ReservationID,
		GuestID: in1.GuestID, Status: in1.Status, Total: in1.Total, Currency: in1.Currency,
		PartySize: 2, Tags: []string{}}) // the v2 defaults
}

func TestEncodeNeedsRegisteredSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := New(e.client)
	schema := parse(t, reservationV1)
	in := sampleV1()

	_, err := s.Encode(t.Context(), topic, schema, &in)
	if !errors.Is(err, ErrUnknownSchema) {
		t.Fatalf("unregistered schema: want ErrUnknownSchema, got %v", err)
	}
	id := e.register(t, reservationV1) // the registered text is the file's, not ours
	data, err := s.Encode(t.Context(), topic, schema, &in)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := SchemaID(data); got != id {
		t.Errorf("framed with id %d, want %d", got, id)
	}

	// With AutoRegister, an incompatible schema is refused by the registry.
	_, err = New(e.client, AutoRegister()).Encode(t.Context(), topic, parse(t, reservationV3), &in)
	if !errors.Is(err, ErrIncompatible) {
		t.Errorf("incompatible auto-registration: want ErrIncompatible, got %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, reservationV1)
	s := New(e.client)
	v1 := parse(t, reservationV1)
	in := sampleV1()
	good, err := s.Encode(t.Context(), topic, v1, &in)
	if err != nil {
		t.Fatal(err)
	}
	unknownID := append([]byte{0, 0, 0, 0x30, 0x39}, good[5:]...)
	wrongMagic := append([]byte{1}, good[1:]...)

	tests := []struct {
		name   string
		data   []byte
		reader string
		want   error
	}{
		{"empty", nil, reservationV1, ErrMalformed},
		{"shorter than the header", []byte{0, 0, 1}, reservationV1, ErrMalformed},
		{"wrong magic byte", wrongMagic, reservationV1, ErrMalformed},
		{"plain JSON", []byte(`{"reservation_id":"x"}`), reservationV1, ErrMalformed},
		{"garbage body", append(append([]byte{}, good[:5]...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), reservationV1, ErrMalformed},
		{"truncated body", good[:len(good)-1], reservationV1, ErrMalformed},
		{"trailing bytes", append(append([]byte{}, good...), 0x02), reservationV1, ErrMalformed},
		{"unknown schema id", unknownID, reservationV1, ErrUnknownSchema},
		{"reader needs a field the writer lacks", good, reservationV3, ErrIncompatible},
		{"reader of another record", good, `{"type":"record","name":"Refund","fields":[{"name":"reservation_id","type":"string"}]}`, ErrIncompatible},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out ReservationV2
			err := s.Decode(t.Context(), tt.data, parse(t, tt.reader), &out)
			for _, sentinel := range []error{ErrMalformed, ErrUnknownSchema, ErrIncompatible, ErrRegistry} {
				if errors.Is(err, sentinel) != (sentinel == tt.want) {
					t.Fatalf("got %v; want only %v", err, tt.want)
				}
			}
		})
	}

	// Every cut of a valid record is malformed, never a half-filled value.
	for n := 5; n < len(good); n++ {
		var out ReservationV1
		if err := s.Decode(t.Context(), good[:n], v1, &out); !errors.Is(err, ErrMalformed) {
			t.Fatalf("record cut to %d of %d bytes: want ErrMalformed, got %v", n, len(good), err)
		}
	}

	var out ReservationV1
	if err := s.Decode(t.Context(), good, v1, out); err == nil || errors.Is(err, ErrMalformed) {
		t.Errorf("non-pointer target: want a plain error, got %v", err)
	}
	if err := s.Decode(t.Context(), good, nil, &out); err == nil {
		t.Error("nil reader: want an error")
	}
}

// TestRegistryFailuresAreTransient: an unreachable or failing registry must not look like a
// poison record.
func TestRegistryFailuresAreTransient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, reservationV1)
	v1 := parse(t, reservationV1)
	in := sampleV1()
	good, err := New(e.client).Encode(t.Context(), topic, v1, &in)
	if err != nil {
		t.Fatal(err)
	}

	e.fail.Store(true)
	var out ReservationV1
	s := New(e.client)
	for _, err := range []error{
		s.Decode(t.Context(), good, v1, &out),
		func() error { _, err := s.Encode(t.Context(), topic, v1, &in); return err }(),
	} {
		if !errors.Is(err, ErrRegistry) || errors.Is(err, ErrUnknownSchema) || errors.Is(err, ErrMalformed) {
			t.Errorf("registry answering 500: want only ErrRegistry, got %v", err)
		}
	}
	e.fail.Store(false)
	if err := s.Decode(t.Context(), good, v1, &out); err != nil {
		t.Errorf("after the registry recovers: %v", err)
	}

	down := httptest.NewServer(nil)
	down.Close()
	cl, err := sr.NewClient(sr.URLs(down.URL))
	if err != nil {
		t.Fatal(err)
	}
	err = New(cl).Decode(t.Context(), good, v1, &out)
	if !errors.Is(err, ErrRegistry) || errors.Is(err, ErrUnknownSchema) {
		t.Errorf("registry unreachable: want ErrRegistry, got %v", err)
	}
}

// TestNoRegistryCallsAfterWarmup: one look-up per schema, then none per record.
func TestNoRegistryCallsAfterWarmup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, reservationV1)
	e.register(t, reservationV2)
	v1, v2 := parse(t, reservationV1), parse(t, reservationV2)
	producer, consumer := New(e.client), New(e.client)
	in := sampleV2()

	before := e.requests.Load()
	var records [][]byte
	for range 500 {
		data, err := producer.Encode(t.Context(), topic, v2, &in)
		if err != nil {
			t.Fatal(err)
		}
		records = append(records, data)
	}
	if n := e.requests.Load() - before; n != 1 {
		t.Errorf("500 encodes made %d registry requests, want 1", n)
	}
	before = e.requests.Load()
	for _, data := range records {
		var a ReservationV1
		var b ReservationV2
		if err := consumer.Decode(t.Context(), data, v1, &a); err != nil {
			t.Fatal(err)
		}
		if err := consumer.Decode(t.Context(), data, v2, &b); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.requests.Load() - before; n != 1 {
		t.Errorf("1000 decodes with two readers made %d registry requests, want 1", n)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, reservationV1)
	e.register(t, reservationV2)
	v1, v2 := parse(t, reservationV1), parse(t, reservationV2)
	s := New(e.client)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 200 {
				in := sampleV2()
				in.ReservationID = fmt.Sprintf("res-%d-%d", w, i)
				data, err := s.Encode(t.Context(), topic, v2, &in)
				if err != nil {
					t.Error(err)
					return
				}
				var out ReservationV1
				if err := s.Decode(t.Context(), data, v1, &out); err != nil || out.ReservationID != in.ReservationID {
					t.Errorf("decoded %q, %v; want %q", out.ReservationID, err, in.ReservationID)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestWriterSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.register(t, reservationV2)
	s := New(e.client)
	w, err := s.WriterSchema(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	// Tools without a Go type decode with the writer schema into generic values.
	in := sampleV2()
	data, err := s.Encode(t.Context(), topic, parse(t, reservationV2), &in)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := s.Decode(t.Context(), data, w, &generic); err != nil {
		t.Fatal(err)
	}
	if generic["reservation_id"] != in.ReservationID || generic["party_size"] != 4 {
		t.Errorf("generic decode = %v", generic)
	}
}

// TestHugeArrayIsMalformed: a record announcing a gigantic array must fail to decode, not make
// hamba allocate it or loop over it (an out-of-memory crash cannot be recovered).
func TestHugeArrayIsMalformed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, reservationV2)
	v2 := parse(t, reservationV2)
	s := New(e.client)
	in := sampleV2()
	in.Tags = nil
	data, err := s.Encode(t.Context(), topic, v2, &in)
	if err != nil {
		t.Fatal(err)
	}
	if data[len(data)-1] != 0 {
		t.Fatalf("expected the record to end with the empty tags array, got %x", data)
	}
	huge := binary.AppendVarint(data[:len(data)-1:len(data)-1], 1<<40) // zigzag varint, Avro's long
	var typed ReservationV2
	var generic map[string]any // hamba's generic decoder would loop 2^40 times
	for _, target := range []any{&typed, &generic} {
		if err := s.Decode(t.Context(), huge, v2, target); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "items") {
			t.Fatalf("decoding into %T: want ErrMalformed about items, got %v", target, err)
		}
	}
}
