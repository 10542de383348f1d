package standin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// Topics are what the stand-ins consume.
var Topics = []string{
	"novatrek.booking.reservation.created",
	"novatrek.booking.reservation.status-changed",
	"novatrek.operations.checkin.completed",
	"novatrek.guest-identity.guest.registered",
}

// Decoder decodes a Confluent wire format value into v with a reader schema (an
// *serde.Serde).
type Decoder interface {
	Decode(ctx context.Context, data []byte, reader avro.Schema, v any) error
}

// Consumer reads Topics from their start into a Store. It uses no consumer group: every
// stand-in process reads everything, and keeps no offsets.
type Consumer struct {
	cl     *kgo.Client
	dec    Decoder
	store  *Store
	log    *slog.Logger
	schema map[string]string // topic -> value schema name
}

// NewConsumer returns a consumer of Topics into store; opts must seed the brokers
// (kgo.SeedBrokers). topo defaults to topology.Default().
func NewConsumer(store *Store, dec Decoder, topo *topology.Topology, log *slog.Logger, opts ...kgo.Opt) (*Consumer, error) {
	if topo == nil {
		t, err := topology.Default()
		if err != nil {
			return nil, err
		}
		topo = t
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Consumer{dec: dec, store: store, log: log, schema: map[string]string{}}
	for _, name := range Topics {
		t, ok := topo.Topic(name)
		if !ok || !t.HasSchema() {
			return nil, fmt.Errorf("standin: topic %s is not in the topology with a schema", name)
		}
		c.schema[name] = t.ValueSchema
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.ConsumeTopics(Topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ClientID("novatrek-standins"),
	}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("standin: kafka client: %w", err)
	}
	c.cl = cl
	return c, nil
}

// Run consumes until ctx is done (then it returns nil) and closes the client. A record
// that does not decode is logged with its position and skipped: a stand-in must not stop
// answering because of one bad record.
func (c *Consumer) Run(ctx context.Context) error {
	defer c.cl.Close()
	for {
		fs := c.cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		fs.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.Canceled) {
				c.log.WarnContext(ctx, "stand-ins: fetch failed; retrying", "topic", topic, "partition", p, "err", err)
			}
		})
		fs.EachRecord(func(r *kgo.Record) {
			ev, ok := schemas.New(c.schema[r.Topic])
			if !ok {
				return
			}
			if err := c.dec.Decode(ctx, r.Value, ev.Schema(), ev); err != nil {
				c.log.WarnContext(ctx, "stand-ins: record does not decode; skipped", "topic", r.Topic,
					"partition", r.Partition, "offset", r.Offset, "err", err)
				return
			}
			c.store.Apply(ev)
		})
	}
}
