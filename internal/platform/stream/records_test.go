package stream_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/schemas"
)

type kgoRecord = kgo.Record

func encodeRecord(t testing.TB, r *rig, ev *schemas.ReservationCreated) *kgo.Record {
	t.Helper()
	b, err := r.env.Serde.Encode(context.Background(), testproc.CreatedTopic, ev.Schema(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return &kgo.Record{Topic: testproc.CreatedTopic, Key: []byte(ev.ReservationID), Value: b}
}

func produceAll(t testing.TB, r *rig, recs []*kgo.Record) {
	t.Helper()
	if err := r.cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// pgconnError is a PostgreSQL error with the given SQLSTATE, as a handler sees it.
func pgconnError(code string) error { return &pgconn.PgError{Code: code, Message: "test"} }
