package peers

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// outboxValue is every relayed row's value: the size of a typical Avro event.
var outboxValue = make([]byte, 300)

// fillOutbox enqueues n rows into our outbox table in transactions of 1000, as services do.
func fillOutbox(ctx context.Context, w *world, ob *pgoutbox.Outbox, topic string, n int) error {
	for first := 0; first < n; first += 1000 {
		msgs := make([]outbox.Message, min(1000, n-first))
		for i := range msgs {
			msgs[i] = outbox.Message{Topic: topic, Key: []byte("agg-" + strconv.Itoa((first+i)%1000)), Value: outboxValue}
		}
		if err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error { return ob.Enqueue(ctx, tx, msgs...) }); err != nil {
			return err
		}
	}
	return nil
}

// awaitOutboxEmpty waits until our outbox table has no rows.
func awaitOutboxEmpty(ctx context.Context, w *world, failed <-chan error) error {
	for {
		var left int
		if err := w.pool.QueryRow(ctx, `SELECT count(*) FROM peers.outbox`).Scan(&left); err != nil {
			return err
		}
		if left == 0 {
			return nil
		}
		select {
		case err := <-failed:
			return fmt.Errorf("stopped with %d rows left: %w", left, err)
		case <-ctx.Done():
			return fmt.Errorf("%d rows left: %w", left, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// drainRaw is the store's limit for emptying the same rows: DELETE … RETURNING in batches
// of 1000 in order, without Kafka.
func drainRaw(ctx context.Context, w *world, n int) (time.Duration, error) {
	ob, err := pgoutbox.New("peers")
	if err != nil {
		return 0, err
	}
	if err := fillOutbox(ctx, w, ob, "novatrek.bench.peers.raw", n); err != nil {
		return 0, err
	}
	start := time.Now()
	for {
		tag, err := w.pool.Exec(ctx, `DELETE FROM peers.outbox WHERE id IN (SELECT id FROM peers.outbox ORDER BY id LIMIT 1000)
			RETURNING topic, key, value, headers`)
		if err != nil {
			return 0, err
		}
		if tag.RowsAffected() == 0 {
			return time.Since(start), nil
		}
	}
}

// relayOurs is our relay draining n enqueued rows to Kafka: fetch a batch, produce it with
// the idempotent producer, delete it once acknowledged.
func relayOurs(ctx context.Context, w *world, n int) (time.Duration, error) {
	return relayInto(ctx, w, n, "novatrek.bench.peers.relay")
}

// relayInto is relayOurs onto a topic of its own.
func relayInto(ctx context.Context, w *world, n int, topic string) (time.Duration, error) {
	ob, err := pgoutbox.New("peers")
	if err != nil {
		return 0, err
	}
	w.kafka.CreateTopics(w.b, partitions, topic)
	if err := fillOutbox(ctx, w, ob, topic, n); err != nil {
		return 0, err
	}
	r, err := outbox.NewRelay(outbox.Config{Store: ob.Store(w.pool), ClientOpts: []kgo.Opt{kgo.SeedBrokers(w.brokers...)}})
	if err != nil {
		return 0, err
	}
	elapsed, err := timed(ctx, r.Run, func(failed <-chan error) error { return awaitOutboxEmpty(ctx, w, failed) })
	if err != nil {
		return 0, err
	}
	if got := records(ctx, w, topic); got != int64(n) {
		return 0, fmt.Errorf("%s holds %d records, want %d", topic, got, n)
	}
	return elapsed, nil
}

// records is how many records topic holds.
func records(ctx context.Context, w *world, topic string) int64 {
	ends, err := kadm.NewClient(w.admin).ListEndOffsets(ctx, topic)
	if err != nil {
		return -1
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}

// BenchmarkOutboxRelay is the peers table's outbox pair alone, alternated: a raw DELETE …
// RETURNING drain, then our relay, on the same number of rows (PEERS_EVENTS) in the same run,
// three times. It prints each pair and reports the median of relay/raw as x_raw (target ≥ 0.5).
//
//	cd bench && go test -run '^$' -bench BenchmarkOutboxRelay -benchtime 1x ./peers/
func BenchmarkOutboxRelay(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	w := newWorld(b, events())
	b.ResetTimer()
	var ratios []float64
	for round := range 3 {
		raw, err := drainRaw(ctx, w, w.n)
		if err != nil {
			b.Fatal(err)
		}
		ours, err := relayInto(ctx, w, w.n, fmt.Sprint("novatrek.bench.peers.relay-", round))
		if err != nil {
			b.Fatal(err)
		}
		rawRate, ourRate := float64(w.n)/raw.Seconds(), float64(w.n)/ours.Seconds()
		fmt.Fprintf(os.Stderr, "outbox round %d: raw drain %.0f rows/s, relay %.0f rows/s, x_raw %.2f\n", round+1, rawRate, ourRate, ourRate/rawRate)
		ratios = append(ratios, ourRate/rawRate)
	}
	slices.Sort(ratios)
	b.ReportMetric(ratios[1], "x_raw")
}
