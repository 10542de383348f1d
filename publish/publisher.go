// Package publish sends NovaTrek events to their Kafka topics the way every producer in the
// domain must: Avro in the Confluent wire format, registered schema, complete metadata, keyed
// by the aggregate id, produced idempotently and acknowledged by all in-sync replicas.
//
// Go services use [Publisher.Publish] with a generated event type (package schemas): the
// topic is the one topics.yaml declares for the event's schema, the key is the topic's key
// field. `novatrek publish` uses [Publisher.PrepareJSON] and [Publisher.Send] on the same
// Publisher, so the CLI and services share one code path.
//
// Metadata left empty is filled in: event_id a new UUID, event_type "<entity>.<event>" from
// the topic name (novatrek.booking.reservation.created → reservation.created), occurred_at
// now (UTC, milliseconds), producer the Producer option, correlation_id the event_id (the event
// starts a flow), causation_id left null.
package publish

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// Publisher publishes events through one kgo client. It is safe for concurrent use.
type Publisher struct {
	client   *kgo.Client
	serde    *serde.Serde
	topo     *topology.Topology
	catalog  *schemas.Catalog
	producer string
	now      func() time.Time
	bySchema map[string]topology.Topic // schema full name (latest version) → topic
}

// Option configures a Publisher.
type Option func(*Publisher)

// Producer names the service written into metadata.producer when an event has none.
// Default: the program's base name (os.Args[0]).
func Producer(name string) Option { return func(p *Publisher) { p.producer = name } }

// WithSerde shares an existing serde (and its schema caches) instead of creating one for the
// registry URL given to New.
func WithSerde(s *serde.Serde) Option { return func(p *Publisher) { p.serde = s } }

// WithTopology uses t instead of the embedded topics.yaml.
func WithTopology(t *topology.Topology) Option { return func(p *Publisher) { p.topo = t } }

// Clock sets the source of occurred_at for events that have none. Default time.Now.
func Clock(now func() time.Time) Option { return func(p *Publisher) { p.now = now } }

// New returns a Publisher producing through client and encoding with the schema registry at
// registryURL (ignored with WithSerde). Schemas must be registered (`novatrek schemas
// register`): a Publisher never registers one. The client should keep kgo's defaults of
// idempotent writes and acks from all in-sync replicas.
func New(client *kgo.Client, registryURL string, opts ...Option) (*Publisher, error) {
	p := &Publisher{client: client, now: time.Now, producer: filepath.Base(os.Args[0])}
	for _, o := range opts {
		o(p)
	}
	if client == nil {
		return nil, fmt.Errorf("publish: nil kgo client")
	}
	if p.serde == nil {
		reg, err := sr.NewClient(sr.URLs(registryURL))
		if err != nil {
			return nil, fmt.Errorf("publish: schema registry client for %s: %w", registryURL, err)
		}
		p.serde = serde.New(reg)
	}
	if p.topo == nil {
		t, err := topology.Default()
		if err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		p.topo = t
	}
	cat, err := schemas.Load()
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	p.catalog = cat
	p.bySchema = map[string]topology.Topic{}
	for _, t := range p.topo.Topics {
		if t.ValueSchema == "" {
			continue
		}
		v, ok := cat.Latest(t.ValueSchema)
		if !ok {
			return nil, fmt.Errorf("publish: topic %s names schema %q, which schemas/ lacks", t.Name, t.ValueSchema)
		}
		p.bySchema[fullName(v.Schema)] = t
	}
	return p, nil
}

// Topic returns the declared topic named name, which must carry events (have a value schema).
func (p *Publisher) Topic(name string) (topology.Topic, error) {
	t, ok := p.topo.Topic(name)
	if !ok {
		return topology.Topic{}, fmt.Errorf("publish: topic %q is not declared in topics.yaml", name)
	}
	if t.ValueSchema == "" {
		return topology.Topic{}, fmt.Errorf("publish: topic %s is a %s topic without a value schema; publish to the original topic instead", name, t.Kind)
	}
	return t, nil
}

// TopicFor returns the topic topics.yaml declares for ev's schema.
func (p *Publisher) TopicFor(ev schemas.Event) (topology.Topic, error) {
	name := fullName(ev.Schema())
	t, ok := p.bySchema[name]
	if !ok {
		return topology.Topic{}, fmt.Errorf("publish: no topic in topics.yaml carries %s (is the Go type generated from the latest schema?)", name)
	}
	return t, nil
}

// Schema returns the latest version of topic's value schema: what a JSON line is checked
// against.
func (p *Publisher) Schema(t topology.Topic) (avro.Schema, error) {
	v, ok := p.catalog.Latest(t.ValueSchema)
	if !ok {
		return nil, fmt.Errorf("publish: topic %s names schema %q, which schemas/ lacks", t.Name, t.ValueSchema)
	}
	return v.Schema, nil
}

// Publish fills ev's missing metadata, encodes it and produces it to its topic keyed by the
// aggregate id, returning once the brokers acknowledged it.
func (p *Publisher) Publish(ctx context.Context, ev schemas.Event) error {
	rec, err := p.Prepare(ctx, ev)
	if err != nil {
		return err
	}
	return p.Send(ctx, rec)[0]
}

func fullName(s avro.Schema) string {
	if n, ok := s.(avro.NamedSchema); ok {
		return n.FullName()
	}
	return string(s.Type())
}
