package publish_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/publish"
	"github.com/novatrek/support/schemas"
)

const topic = "novatrek.booking.reservation.created"

func TestPublishTypedEventFillsMetadataAndKeys(t *testing.T) {
	env := kafkatest.New(t, kfake.SeedTopics(3, topic))
	cl := env.Client(t)
	at := time.Date(2026, 11, 24, 22, 0, 0, 123_456_789, time.UTC)
	cat, err := schemas.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range cat.Versions("reservation_created") { // as `novatrek schemas register` does
		if _, err := env.Registry.RegisterSchema(context.Background(), topic+"-value", sr.Schema{Schema: v.Text}, -1, -1); err != nil {
			t.Fatal(err)
		}
	}
	// No WithSerde: a Publisher of its own finds the registered schema, registering nothing.
	pub, err := publish.New(cl, env.RegistryURL, publish.Producer("svc-test"),
		publish.Clock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	ev := testproc.Producer{}.Created(1)
	ev.Metadata = schemas.EventMetadata{} // everything to fill
	ctx := context.Background()
	if err := pub.Publish(ctx, ev); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	m := ev.Metadata
	if m.EventID == "" || m.CorrelationID != m.EventID || m.EventType != "reservation.created" ||
		m.Producer != "svc-test" || !m.OccurredAt.Equal(at.Truncate(time.Millisecond)) || m.CausationID != nil {
		t.Fatalf("metadata not filled as documented: %+v", m)
	}

	rd := env.Client(t, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var got *kgo.Record
	for got == nil {
		fs := rd.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatal("the published record never arrived")
		}
		if recs := fs.Records(); len(recs) > 0 {
			got = recs[0]
		}
	}
	if string(got.Key) != ev.ReservationID {
		t.Errorf("key = %q; want the reservation id %q", got.Key, ev.ReservationID)
	}
	var back schemas.ReservationCreated
	if err := env.Serde.Decode(ctx, got.Value, back.Schema(), &back); err != nil {
		t.Fatalf("decoding what was published: %v", err)
	}
	if back.Metadata.EventID != m.EventID || back.ReservationID != ev.ReservationID {
		t.Errorf("decoded %+v; want the published event", back.Metadata)
	}

	// Metadata that is set is kept.
	ev2 := testproc.Producer{}.Created(2)
	keep := ev2.Metadata
	if _, err := pub.Prepare(ctx, ev2); err != nil {
		t.Fatal(err)
	}
	if ev2.Metadata.EventID != keep.EventID || ev2.Metadata.Producer != keep.Producer || !ev2.Metadata.OccurredAt.Equal(keep.OccurredAt) {
		t.Errorf("Prepare overwrote set metadata: %+v; want %+v", ev2.Metadata, keep)
	}
}

func TestPrepareJSONErrors(t *testing.T) {
	env := kafkatest.New(t, kfake.SeedTopics(1, topic))
	pub, err := publish.New(env.Client(t), env.RegistryURL, publish.WithSerde(env.Serde))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct{ topic, line, want string }{
		{"novatrek.nope.nope.nope", `{}`, "not declared in topics.yaml"},
		{"novatrek.support.dlq.svc-analytics", `{}`, "without a value schema"},
		{topic, `{"reservation_id":5}`, "reservation_id: expected string, got number"},
		{topic, `[]`, "expected a JSON object"},
		{topic, `{"reservation_id":`, "not valid JSON"},
	} {
		if _, err := pub.PrepareJSON(ctx, tc.topic, []byte(tc.line), ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("PrepareJSON(%s, %s): err = %v; want %q", tc.topic, tc.line, err, tc.want)
		}
	}
}
