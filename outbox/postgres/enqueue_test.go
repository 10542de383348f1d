package pgoutbox_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

func TestEnqueueRefusesWhatCouldNeverBePublished(t *testing.T) {
	t.Parallel()
	pool, _ := newOutbox(t)
	o, err := pgoutbox.New(schema, pgoutbox.MaxMessageBytes(100))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, tc := range map[string]struct {
		msgs []outbox.Message
		want string
	}{
		"no topic":  {[]outbox.Message{msg("t", "k", "ok"), {Value: []byte("v")}}, "message 1 has no topic"},
		"too large": {[]outbox.Message{{Topic: "t", Key: []byte("k"), Value: make([]byte, 100)}}, "101 bytes, over the 100-byte limit"},
		"large header": {[]outbox.Message{{Topic: "t", Value: []byte("v"), Headers: []outbox.Header{{Key: "h", Value: make([]byte, 99)}}}},
			"over the 100-byte limit"},
	} {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return o.Enqueue(ctx, tx, tc.msgs...) })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, tc.want)
		}
	}
	if n := rowCount(t, pool); n != 0 {
		t.Fatalf("%d rows written by refused calls", n)
	}
}

func TestEnqueueKeepsOrderWithinAndAcrossCallsOfATransaction(t *testing.T) {
	t.Parallel()
	pool, o := newOutbox(t)
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := o.Enqueue(ctx, tx); err != nil { // nothing to do
			return err
		}
		if err := o.Enqueue(ctx, tx, msg("t", "k", "0"), msg("t", "k", "1"), msg("t", "k", "2")); err != nil {
			return err
		}
		return o.Enqueue(ctx, tx, msg("t", "k", "3"))
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT convert_from(value, 'UTF8') FROM svc.outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(vals, ",") != "0,1,2,3" {
		t.Fatalf("id order %v, want 0,1,2,3", vals)
	}
}

func TestEnqueueIgnoresTheCallersSearchPath(t *testing.T) {
	t.Parallel()
	pool, o := newOutbox(t)
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL search_path TO public`); err != nil {
			return err
		}
		return o.Enqueue(ctx, tx, msg("t", "k", "v"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := rowCount(t, pool); n != 1 {
		t.Fatalf("%d rows in svc.outbox, want 1", n)
	}
}

func TestNewRefusesUnusableSchemas(t *testing.T) {
	t.Parallel()
	if _, err := pgoutbox.New(""); err == nil {
		t.Error("empty schema accepted")
	}
	if _, err := pgoutbox.New(strings.Repeat("s", 60)); err == nil {
		t.Error("schema too long for a notification channel accepted")
	}
	if _, err := pgoutbox.New("svc", pgoutbox.MaxMessageBytes(0)); err == nil {
		t.Error("zero MaxMessageBytes accepted")
	}
}

// TestDefaultLimitFitsTheDefaultBatchLimit: a message at DefaultMaxMessageBytes, headers
// included, goes through a default franz-go producer and broker.
func TestDefaultLimitFitsTheDefaultBatchLimit(t *testing.T) {
	t.Parallel()
	const topic = "novatrek.test.large"
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	m := outbox.Message{Topic: topic, Key: []byte("agg-1"), Headers: []outbox.Header{{Key: "traceparent", Value: make([]byte, 55)}}}
	m.Value = make([]byte, pgoutbox.DefaultMaxMessageBytes-m.Size())
	rec := &kgo.Record{Topic: m.Topic, Key: m.Key, Value: m.Value, Headers: []kgo.RecordHeader{{Key: "traceparent", Value: m.Headers[0].Value}}}
	if err := cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
		t.Fatalf("a %d-byte message failed: %v", m.Size(), err)
	}
}
