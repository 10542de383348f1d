package peers

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// latencySamples rows are sent at latencyRate, one per transaction.
const (
	latencySamples = 1000
	latencyRate    = 200
)

// latency commits latencySamples rows at latencyRate through send while relay runs, after
// one warm-up row has come through, and returns the p99 from a row's commit to a consumer reading its record (the commit time
// travels in the value's first 8 bytes).
func latency(ctx context.Context, w *world, topic string, relay func(context.Context) error, send func(ctx context.Context, value []byte) error) (time.Duration, error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	failed := make(chan error, 1)
	go func() { failed <- relay(cctx) }()
	cl, err := kgo.NewClient(kgo.SeedBrokers(w.brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	got := make(chan time.Duration, latencySamples)
	go func() {
		for cctx.Err() == nil {
			cl.PollFetches(cctx).EachRecord(func(r *kgo.Record) {
				sent := time.Unix(0, int64(binary.BigEndian.Uint64(r.Value)))
				got <- time.Since(sent)
			})
		}
	}()
	stamped := func() []byte {
		return append(binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixNano())), outboxValue[8:]...)
	}
	// One row through first, not counted: the relay's and the consumer's start (on a real
	// broker, producer id, metadata and leader lookups) is not the steady latency measured.
	if err := send(ctx, stamped()); err != nil {
		return 0, err
	}
	deadline := time.After(time.Minute)
	select {
	case <-got:
	case err := <-failed:
		return 0, fmt.Errorf("relay stopped before the first record: %w", err)
	case <-deadline:
		return 0, errors.New("no first record within a minute")
	}
	tick := time.NewTicker(time.Second / latencyRate)
	defer tick.Stop()
	for range latencySamples {
		<-tick.C
		if err := send(ctx, stamped()); err != nil {
			return 0, err
		}
	}
	var all []time.Duration
	deadline = time.After(time.Minute)
	for len(all) < latencySamples {
		select {
		case d := <-got:
			all = append(all, d)
		case err := <-failed:
			return 0, fmt.Errorf("relay stopped with %d of %d records: %w", len(all), latencySamples, err)
		case <-deadline:
			return 0, fmt.Errorf("%d of %d records within a minute", len(all), latencySamples)
		}
	}
	slices.Sort(all)
	return all[len(all)*99/100], nil
}

// latencyOurs is the p99 through our outbox and relay.
func latencyOurs(ctx context.Context, w *world) (time.Duration, error) {
	ob, err := pgoutbox.New("peers")
	if err != nil {
		return 0, err
	}
	topic := "novatrek.bench.peers.relay.latency"
	w.kafka.CreateTopics(w.b, partitions, topic)
	r, err := outbox.NewRelay(outbox.Config{Store: ob.Store(w.pool), ClientOpts: []kgo.Opt{kgo.SeedBrokers(w.brokers...)}})
	if err != nil {
		return 0, err
	}
	return latency(ctx, w, topic, r.Run, func(ctx context.Context, value []byte) error {
		return pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
			return ob.Enqueue(ctx, tx, outbox.Message{Topic: topic, Key: []byte("agg"), Value: value})
		})
	})
}

// latencyWatermill is the p99 through Watermill's SQL forwarder with its defaults (the SQL
// subscriber polls its table every second when it finds nothing).
func latencyWatermill(ctx context.Context, w *world) (time.Duration, error) {
	topic := "novatrek.bench.peers.forwarder.latency"
	f, err := newForwarder(w, topic, "peers_forwarder_latency")
	if err != nil {
		return 0, err
	}
	defer f.close()
	return latency(ctx, w, topic, f.run, func(_ context.Context, value []byte) error {
		m := message.NewMessage(watermill.NewUUID(), value)
		m.Metadata.Set("key", "agg")
		return f.in.Publish(topic, m)
	})
}
