package serde

import (
	"encoding/json"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// Schemas that hamba's MarshalJSON does not render back faithfully, and the rest of the
// grammar for good measure.
var textCases = map[string]string{
	"bytes and decimal defaults": `{"type":"record","name":"Payment","namespace":"com.novatrek.payments","fields":[
		{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2},"default":"\u0000"},
		{"name":"raw","type":"bytes","default":"\u00ff\u0001A"},
		{"name":"tip","type":["null",{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}],"default":null}]}`,
	"fixed default and fixed decimal": `{"type":"record","name":"F","fields":[
		{"name":"hash","type":{"type":"fixed","name":"Hash","size":2},"default":"\u0000\u00ff"},
		{"name":"price","type":{"type":"fixed","name":"Price","size":8,"logicalType":"decimal","precision":18,"scale":4}},
		{"name":"again","type":"Hash"}]}`,
	"nested defaults": `{"type":"record","name":"N","fields":[
		{"name":"point","type":{"type":"record","name":"Point","fields":[{"name":"lat","type":"double"},{"name":"lon","type":"double"},{"name":"tag","type":"bytes"}]},
		 "default":{"lat":46.5,"lon":7.9,"tag":"\u0001"}},
		{"name":"tags","type":{"type":"array","items":"bytes"},"default":["\u0002"]},
		{"name":"limits","type":{"type":"map","values":"long"},"default":{"b":2,"a":1}},
		{"name":"ratio","type":"float","default":0.5},
		{"name":"ok","type":"boolean","default":true}]}`,
	"enum, aliases, docs, order, props, error": `{"type":"error","name":"Failure","namespace":"com.novatrek","aliases":["OldFailure"],"doc":"why <it> failed & how",
		"x-owner":"payments","fields":[
		{"name":"kind","doc":"the kind","aliases":["type"],"order":"descending","x-pii":false,
		 "type":{"type":"enum","name":"Kind","doc":"kinds","symbols":["A","B","UNKNOWN"],"default":"UNKNOWN"},"default":"A"},
		{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"name":"day","type":{"type":"int","logicalType":"date"}},
		{"name":"id","type":{"type":"string","logicalType":"uuid"}},
		{"name":"custom","type":{"type":"string","logicalType":"iso-country"}}]}`,
	"null namespace inside a namespace": `{"type":"record","name":"Outer","namespace":"com.novatrek","fields":[
		{"name":"inner","type":{"type":"record","name":"Inner","namespace":"","fields":[{"name":"x","type":"int"}]}},
		{"name":"sibling","type":{"type":"record","name":"Sibling","fields":[{"name":"y","type":"int"}]}}]}`,
	"union of named types": `{"type":"record","name":"U","namespace":"a.b","fields":[
		{"name":"v","type":["null",{"type":"record","name":"R1","fields":[]},{"type":"enum","name":"E1","symbols":["X"]}],"default":null},
		{"name":"w","type":["E1","R1"]}]}`,
	"primitive": `"string"`,
}

func TestSchemaTextRoundTrip(t *testing.T) {
	t.Parallel()
	for name, text := range textCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			orig := parse(t, text)
			rendered, err := SchemaText(orig)
			if err != nil {
				t.Fatal(err)
			}
			again := parse(t, rendered)
			a, _ := json.Marshal(orig)
			b, _ := json.Marshal(again)
			if string(a) != string(b) {
				t.Errorf("re-parsed schema differs:\n%s\n%s\nrendered: %s", a, b, rendered)
			}
			if orig.Fingerprint() != again.Fingerprint() {
				t.Errorf("canonical form differs: %s", rendered)
			}
			if twice, _ := SchemaText(again); twice != rendered {
				t.Errorf("not stable:\n%s\n%s", rendered, twice)
			}
		})
	}
}

// TestEncodeFindsFileRegisteredSchema: a schema registered from its .avsc text (bytes
// default included) is found by Encode, which sends SchemaText of the parsed schema.
func TestEncodeFindsFileRegisteredSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	text := textCases["bytes and decimal defaults"]
	id, err := e.client.RegisterSchema(t.Context(), Subject(topic), sr.Schema{Schema: text}, -1, -1)
	if err != nil {
		t.Fatal(err)
	}
	type payment struct {
		Amount []byte  `avro:"amount"`
		Raw    []byte  `avro:"raw"`
		Tip    *[]byte `avro:"tip"`
	}
	data, err := New(e.client).Encode(t.Context(), topic, parse(t, text), &payment{Amount: []byte{1}, Raw: []byte{2}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := SchemaID(data); got != id {
		t.Errorf("framed with id %d, want %d", got, id)
	}
}
