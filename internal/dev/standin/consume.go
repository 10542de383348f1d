package standin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// Schemas are the value schemas whose events the Store applies (Store.Apply); the stand-ins
// consume every topic topics.yaml gives one of them (Topics).
var Schemas = []string{"reservation_created", "reservation_status_changed", "checkin_completed", "guest_registered"}

// Topics returns, in topo's order, the topics whose value schema is one of Schemas.
func Topics(topo *topology.Topology) []string {
	var out []string
	for _, t := range topo.Topics {
		if slices.Contains(Schemas, t.ValueSchema) {
			out = append(out, t.Name)
		}
	}
	return out
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
	topics := Topics(topo)
	for _, name := range topics {
		t, _ := topo.Topic(name)
		c.schema[name] = t.ValueSchema
	}
	for _, schema := range Schemas {
		if !slices.ContainsFunc(topics, func(name string) bool { return c.schema[name] == schema }) {
			return nil, fmt.Errorf("standin: no topic in the topology carries the schema %s", schema)
		}
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.ConsumeTopics(topics...),
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
