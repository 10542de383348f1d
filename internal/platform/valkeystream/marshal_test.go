package valkeystream

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
)

func TestDefaultMarshalerRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name     string
		payload  []byte
		metadata map[string]string
	}{
		{"empty", nil, nil},
		{"binary", []byte{0, 0xff, '\n', 0}, nil},
		{"metadata", []byte("x"), map[string]string{"a": "1", "b": "", "ü": "\"quoted\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := message.NewMessage("id-1", tc.payload)
			for k, v := range tc.metadata {
				msg.Metadata.Set(k, v)
			}
			fields, err := DefaultMarshaler{}.Marshal("topic", msg)
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]string{}
			for _, f := range fields {
				m[f.Field] = f.Value
			}
			got, err := DefaultMarshaler{}.Unmarshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if got.UUID != "id-1" || !bytes.Equal(got.Payload, tc.payload) || len(got.Metadata) != len(tc.metadata) {
				t.Fatalf("got %s %v %v", got.UUID, got.Payload, got.Metadata)
			}
			for k, v := range tc.metadata {
				if got.Metadata.Get(k) != v {
					t.Fatalf("metadata %s = %q, want %q", k, got.Metadata.Get(k), v)
				}
			}
		})
	}
}

func TestDefaultMarshalerRejectsForeignEntries(t *testing.T) {
	if _, err := (DefaultMarshaler{}).Unmarshal(map[string]string{"foo": "bar"}); !errors.Is(err, errNoUUID) {
		t.Fatalf("entry without uuid: %v, want errNoUUID", err)
	}
	if _, err := (DefaultMarshaler{}).Unmarshal(map[string]string{FieldUUID: "x", FieldMetadata: "{not json"}); err == nil {
		t.Fatal("entry with broken metadata decoded")
	}
}

func TestBackoff(t *testing.T) {
	prev := backoff(0)
	if prev != backoffFirst {
		t.Fatalf("backoff(0) = %s, want %s", prev, backoffFirst)
	}
	for i := 1; i < 100; i++ {
		d := backoff(i)
		if d < prev || d > backoffMax {
			t.Fatalf("backoff(%d) = %s after %s, want non-decreasing and at most %s", i, d, prev, backoffMax)
		}
		prev = d
	}
	if prev != backoffMax {
		t.Fatalf("backoff does not reach its cap: %s", prev)
	}
}
