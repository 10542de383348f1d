package pgoutbox

import (
	"bytes"
	"testing"

	"github.com/novatrek/support/outbox"
)

func TestHeadersRoundTrip(t *testing.T) {
	for name, hs := range map[string][]outbox.Header{
		"none":   nil,
		"one":    {{Key: "traceparent", Value: []byte("00-abc-01")}},
		"nil":    {{Key: "null", Value: nil}},
		"empty":  {{Key: "", Value: []byte{}}},
		"repeat": {{Key: "a", Value: []byte("1")}, {Key: "a", Value: []byte("2")}, {Key: "b", Value: nil}},
		"binary": {{Key: "bin", Value: bytes.Repeat([]byte{0, 0xff}, 200)}},
	} {
		got, err := unmarshalHeaders(marshalHeaders(hs))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(hs) {
			t.Fatalf("%s: %d headers, want %d", name, len(got), len(hs))
		}
		for i := range hs {
			if got[i].Key != hs[i].Key || !bytes.Equal(got[i].Value, hs[i].Value) || (got[i].Value == nil) != (hs[i].Value == nil) {
				t.Errorf("%s: header %d = %+v, want %+v", name, i, got[i], hs[i])
			}
		}
	}
}

// FuzzUnmarshalHeaders checks that no column content makes the decoder panic or loop, and
// that whatever it accepts re-encodes to the same bytes.
func FuzzUnmarshalHeaders(f *testing.F) {
	f.Add(marshalHeaders([]outbox.Header{{Key: "traceparent", Value: []byte("00-abc-01")}, {Key: "n", Value: nil}}))
	f.Add([]byte{0x05, 'a'})
	f.Add([]byte{0x01, 'a', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		hs, err := unmarshalHeaders(b)
		if err != nil {
			return
		}
		if again := marshalHeaders(hs); len(b) > 0 && !bytes.Equal(again, b) {
			// Non-minimal varints decode but re-encode shorter; anything else is a bug.
			if got, err := unmarshalHeaders(again); err != nil || len(got) != len(hs) {
				t.Fatalf("re-encoding %x gave %x which decodes to %v, %v", b, again, got, err)
			}
		}
	})
}
