package stream

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestDeadLetter(t *testing.T) {
	src := &kgo.Record{
		Topic: "novatrek.booking.reservation.created", Partition: 4, Offset: 1234,
		Key: []byte("res-1"), Value: []byte{0, 0, 0, 0, 9, 1, 2, 3},
		Headers:   []kgo.RecordHeader{{Key: "traceparent", Value: []byte("00-abc-def-01")}},
		Timestamp: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}
	now := time.Date(2026, 3, 1, 12, 0, 5, 0, time.UTC)
	long := strings.Repeat("é", maxErrorHeader) // 2 bytes a rune: the cut falls inside one
	dl := deadLetter("novatrek.support.dlq.svc-x", "svc-x", src, KindPermanent, errors.New(long), now)

	if dl.Topic != "novatrek.support.dlq.svc-x" || string(dl.Key) != "res-1" || string(dl.Value) != string(src.Value) {
		t.Errorf("dead letter does not carry the original key and value: %+v", dl)
	}
	if dl.Headers[0].Key != "traceparent" {
		t.Errorf("original headers must come first, got %v", dl.Headers)
	}
	want := map[string]string{
		HeaderSourceTopic:     src.Topic,
		HeaderSourcePartition: "4",
		HeaderSourceOffset:    "1234",
		HeaderSourceTimestamp: "2026-03-01T12:00:00Z",
		HeaderGroup:           "svc-x",
		HeaderErrorKind:       "permanent",
		HeaderTime:            "2026-03-01T12:00:05Z",
	}
	got := map[string]string{}
	for _, h := range dl.Headers {
		got[h.Key] = string(h.Value)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("header %s = %q, want %q", k, got[k], v)
		}
	}
	if msg := got[HeaderError]; len(msg) > maxErrorHeader || !utf8.ValidString(msg) || msg == "" {
		t.Errorf("error header is %d bytes (valid UTF-8: %v), want a valid cut to at most %d", len(msg), utf8.ValidString(msg), maxErrorHeader)
	}
	if len(src.Headers) != 1 {
		t.Error("building a dead letter modified the original's headers")
	}
}
