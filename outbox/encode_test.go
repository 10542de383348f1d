package outbox_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"

	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/outbox"
)

type ping struct {
	ID string `avro:"id"`
}

var pingSchema = avro.MustParse(`{"type":"record","name":"Ping","namespace":"com.novatrek.test","fields":[{"name":"id","type":"string"}]}`)

func TestEncodeBuildsAConfluentWireFormatMessage(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	ctx := context.Background()
	tp := outbox.Header{Key: "traceparent", Value: []byte("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")}
	m, err := outbox.Encode(ctx, env.Serde, "novatrek.test.ping", "agg-1", pingSchema, ping{ID: "x"}, tp)
	if err != nil {
		t.Fatal(err)
	}
	if m.Topic != "novatrek.test.ping" || string(m.Key) != "agg-1" || len(m.Headers) != 1 || m.Headers[0].Key != "traceparent" {
		t.Fatalf("message %+v", m)
	}
	if len(m.Value) < 6 || m.Value[0] != 0 {
		t.Fatalf("value %x is not in the Confluent wire format", m.Value)
	}
	var back ping
	if err := env.Serde.Decode(ctx, m.Value, pingSchema, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != "x" {
		t.Fatalf("decoded %+v", back)
	}
}

func TestEncodeRefusesWhatItCannotEncode(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		enc   outbox.Encoder
		topic string
		v     any
		want  string
	}{
		"nil encoder":    {nil, "t", ping{}, "nil encoder"},
		"no topic":       {env.Serde, "", ping{}, "empty topic"},
		"value mismatch": {env.Serde, "novatrek.test.ping", 42, "encode value for novatrek.test.ping"},
	} {
		_, err := outbox.Encode(ctx, tc.enc, tc.topic, "k", pingSchema, tc.v)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, tc.want)
		}
	}
}
