package avrojson_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"

	"github.com/novatrek/support/internal/platform/avrojson"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/schemas"
)

func compile(t testing.TB, s avro.Schema) *avrojson.Codec {
	t.Helper()
	c, err := avrojson.Compile(s)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return c
}

// Every generated event, encoded by hamba, prints as JSON that encodes back to the same
// bytes, and the JSON is what a person would write.
func TestRoundTripGeneratedEvent(t *testing.T) {
	ev := testproc.Producer{}.Created(7)
	body, err := ev.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	c := compile(t, ev.Schema())
	js, err := c.AppendJSON(nil, body)
	if err != nil {
		t.Fatalf("AppendJSON: %v", err)
	}
	if !json.Valid(js) {
		t.Fatalf("output is not JSON: %s", js)
	}
	for _, want := range []string{
		`"event_type":"reservation.created"`,
		`"occurred_at":"2026-01-01T00:00:00.007Z"`,
		`"departure_date":"2026-06-08"`,
		`"total_price":{"amount":"1306.0000","currency":"USD"}`,
		`"status":"PENDING"`,
		`"causation_id":null`,
		`"age_group":"ADULT"`,
	} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("JSON lacks %s:\n%s", want, js)
		}
	}
	back, err := c.AppendAvroJSON(nil, js)
	if err != nil {
		t.Fatalf("AppendAvroJSON: %v", err)
	}
	// hamba writes array blocks with their byte size and we do not, so compare values.
	var again schemas.ReservationCreated
	if err := again.Unmarshal(back); err != nil {
		t.Fatalf("hamba cannot read our encoding: %v", err)
	}
	if !reflect.DeepEqual(&again, ev) {
		t.Fatalf("round trip changed the event:\n got %+v\nwant %+v", &again, ev)
	}
}

const testSchema = `{"type":"record","name":"T","namespace":"x","fields":[
 {"name":"amount","type":{"type":"record","name":"Money","fields":[
   {"name":"value","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}},
   {"name":"currency","type":"string"}]}},
 {"name":"when","type":{"type":"long","logicalType":"timestamp-micros"}},
 {"name":"note","type":["null","string"],"default":null},
 {"name":"either","type":["null","long","string",{"type":"enum","name":"Color","symbols":["RED","BLUE"]}],"default":null},
 {"name":"blob","type":"bytes","default":"\u00ff\u0001"},
 {"name":"tags","type":{"type":"map","values":"int"},"default":{}},
 {"name":"ratio","type":"double","default":0.5},
 {"name":"fixed","type":{"type":"fixed","name":"F2","size":2},"default":"ab"},
 {"name":"id","type":{"type":"string","logicalType":"uuid"},"default":"00000000-0000-0000-0000-000000000000"}
]}`

func TestMappingAndDefaults(t *testing.T) {
	c := compile(t, avro.MustParse(testSchema))
	in := `{"amount":{"value":-12.5,"currency":"EUR"},"when":"2026-11-24T22:15:00.123456+01:00"}`
	body, err := c.AppendAvroJSON(nil, []byte(in))
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	out, err := c.AppendJSON(nil, body)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	want := `{"amount":{"value":"-12.50","currency":"EUR"},"when":"2026-11-24T21:15:00.123456Z","note":null,"either":null,"blob":"/wE=","tags":{},"ratio":0.5,"fixed":"YWI=","id":"00000000-0000-0000-0000-000000000000"}`
	if string(out) != want {
		t.Fatalf("got  %s\nwant %s", out, want)
	}

	// Unions: plain values pick the first fitting branch; the wrapped form names one.
	for in, want := range map[string]string{
		`42`:                `42`,
		`"hi"`:              `"hi"`,
		`{"string":"42"}`:   `"42"`,
		`{"x.Color":"RED"}`: `"RED"`,
		`{"Color":"BLUE"}`:  `"BLUE"`,
	} {
		line := `{"amount":{"value":"1","currency":"EUR"},"when":"2026-01-01T00:00:00Z","either":` + in + `}`
		body, err := c.AppendAvroJSON(nil, []byte(line))
		if err != nil {
			t.Errorf("either=%s: %v", in, err)
			continue
		}
		out, _ := c.AppendJSON(nil, body)
		if !strings.Contains(string(out), `"either":`+want+`,`) {
			t.Errorf("either=%s printed as %s", in, out)
		}
	}
}

func TestErrorsNameThePath(t *testing.T) {
	ev := testproc.Producer{}.Created(1)
	body, _ := ev.Marshal()
	c := compile(t, ev.Schema())
	good, err := c.AppendJSON(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"wrong type", edit(func(m map[string]any) { m["total_price"].(map[string]any)["currency"] = 3 }),
			"total_price.currency: expected string, got number"},
		{"missing", edit(func(m map[string]any) { delete(m["metadata"].(map[string]any), "producer") }),
			"metadata.producer: required field is missing"},
		{"array item", edit(func(m map[string]any) {
			m["participants"].([]any)[0].(map[string]any)["age_group"] = "ELDER"
		}), `participants[0].age_group: "ELDER" is not a symbol of AgeGroup`},
		{"unknown", edit(func(m map[string]any) { m["colour"] = "red" }), "colour: unknown field"},
		{"uuid", edit(func(m map[string]any) { m["guest_id"] = "guest-1" }), `guest_id: "guest-1" is not a UUID`},
		{"decimal places", edit(func(m map[string]any) { m["deposit_due"].(map[string]any)["amount"] = "1.00001" }),
			`deposit_due.amount: "1.00001" has more than 4 decimal places`},
		{"time precision", edit(func(m map[string]any) { m["metadata"].(map[string]any)["occurred_at"] = "2026-01-01T00:00:00.0001Z" }),
			"metadata.occurred_at: \"2026-01-01T00:00:00.0001Z\" has more precision"},
		{"date", edit(func(m map[string]any) { m["departure_date"] = "June 1st" }), `departure_date: "June 1st" is not a date`},
		{"not json", []byte(`{"metadata":`), "not valid JSON"},
		{"not object", []byte(`[1]`), "expected object (ReservationCreated), got array"},
	}
	for _, tc := range cases {
		_, err := c.AppendAvroJSON(nil, tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v; want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestMalformedAvro(t *testing.T) {
	ev := testproc.Producer{}.Created(1)
	body, _ := ev.Marshal()
	c := compile(t, ev.Schema())
	for name, b := range map[string][]byte{
		"cut":      body[:len(body)-3],
		"trailing": append(append([]byte{}, body...), 1),
		"empty":    nil,
	} {
		if _, err := c.AppendJSON(nil, b); !errors.Is(err, avrojson.ErrMalformed) {
			t.Errorf("%s: err = %v; want ErrMalformed", name, err)
		}
	}
}

// FuzzAppendAvroJSON feeds arbitrary JSON lines to the encoder: it must return an error or
// bytes that print as JSON that encodes to bytes printing the same JSON (printing unions
// plain may pick another branch of the same JSON shape), never panic. Seeds live in
// testdata/fuzz/FuzzAppendAvroJSON.
func FuzzAppendAvroJSON(f *testing.F) {
	ev := testproc.Producer{}.Created(3)
	body, _ := ev.Marshal()
	rc := compile(f, ev.Schema())
	good, _ := rc.AppendJSON(nil, body)
	f.Add(good)
	f.Add([]byte(`{"amount":{"value":"1.5","currency":"EUR"},"when":"2026-01-01T00:00:00Z","either":{"Color":"RED"}}`))
	tc := compile(f, avro.MustParse(testSchema))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range []*avrojson.Codec{rc, tc} {
			out, err := c.AppendAvroJSON(nil, data)
			if err != nil {
				continue
			}
			js, err := c.AppendJSON(nil, out)
			if err != nil {
				t.Fatalf("our own encoding does not decode: %v\ninput %s", err, data)
			}
			again, err := c.AppendAvroJSON(nil, js)
			if err != nil {
				t.Fatalf("printed JSON does not encode: %v\ninput %s\nprinted %s", err, data, js)
			}
			js2, err := c.AppendJSON(nil, again)
			if err != nil || !bytes.Equal(js, js2) {
				t.Fatalf("printing is not stable (err %v)\nfirst  %s\nsecond %s", err, js, js2)
			}
		}
	})
}
