package testproc

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// Topics and identity of the test processor.
const (
	// Group is the test processor's consumer group id; its dead-letter topic is
	// novatrek.support.dlq.svc-testproc.
	Group = "svc-testproc"
	// Schema is its default PostgreSQL schema.
	Schema = "testproc"
	// CreatedTopic and StatusTopic are the inputs.
	CreatedTopic = "novatrek.booking.reservation.created"
	StatusTopic  = "novatrek.booking.reservation.status-changed"
	// OutputTopic receives one notification request per applied input event.
	OutputTopic = "novatrek.support.notification.requested"
)

// Processor holds the test processor's handlers, bound to one schema.
type Processor struct {
	schema   string
	outbox   *pgoutbox.Outbox
	emit     *outbox.Emitter[pgoutbox.Execer]
	deferred bool // per-event handlers queue their writes with stream.Deferred (DeferredRoutes)

	upsertCreatedSQL string
	upsertStatusSQL  string
	appliedSQL       string
	batchCreatedSQL  string
	batchAppliedSQL  string
}

// New returns the test processor for schema (migrated with Migrate); enc encodes its
// output events (an *serde.Serde).
func New(schema string, enc outbox.Encoder) (*Processor, error) {
	ob, err := pgoutbox.New(schema)
	if err != nil {
		return nil, fmt.Errorf("testproc: %w", err)
	}
	topo, err := ownTopology()
	if err != nil {
		return nil, err
	}
	emit, err := outbox.NewEmitter(outbox.EmitterConfig[pgoutbox.Execer]{
		Producer: Group, Topics: []string{OutputTopic}, Topology: topo, Encoder: enc, Outbox: ob,
	})
	if err != nil {
		return nil, fmt.Errorf("testproc: %w", err)
	}
	reservations := pgx.Identifier{schema, "reservations"}.Sanitize()
	applied := pgx.Identifier{schema, "applied_events"}.Sanitize()
	return &Processor{
		schema: schema,
		outbox: ob,
		emit:   emit,
		upsertCreatedSQL: `INSERT INTO ` + reservations + ` AS r
	(reservation_id, guest_id, trip_id, party_size, status, applied_events)
VALUES ($1, $2, $3, $4, $5, 1)
ON CONFLICT (reservation_id) DO UPDATE SET
	party_size = EXCLUDED.party_size,
	applied_events = r.applied_events + 1,
	updated_at = now()`,
		// A status change applies only if it is not older than the last one applied; an
		// older one is counted in out_of_order, which a runtime keeping the order of each
		// key never produces.
		upsertStatusSQL: `INSERT INTO ` + reservations + ` AS r
	(reservation_id, guest_id, trip_id, status, applied_events, last_status_at)
VALUES ($1, $2, $3, $4, 1, $5)
ON CONFLICT (reservation_id) DO UPDATE SET
	status = CASE WHEN r.last_status_at IS NULL OR EXCLUDED.last_status_at >= r.last_status_at
		THEN EXCLUDED.status ELSE r.status END,
	applied_events = r.applied_events + 1,
	out_of_order = r.out_of_order + coalesce((EXCLUDED.last_status_at < r.last_status_at)::int, 0),
	last_status_at = GREATEST(r.last_status_at, EXCLUDED.last_status_at),
	updated_at = now()`,
		appliedSQL: `INSERT INTO ` + applied + ` (event_id, reservation_id, topic, kafka_partition, kafka_offset)
VALUES ($1, $2, $3, $4, $5)`,
		batchCreatedSQL: `INSERT INTO ` + reservations + ` AS r
	(reservation_id, guest_id, trip_id, party_size, status, applied_events)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::int[])
ON CONFLICT (reservation_id) DO UPDATE SET
	party_size = EXCLUDED.party_size,
	applied_events = r.applied_events + 1,
	updated_at = now()`,
		batchAppliedSQL: `INSERT INTO ` + applied + ` (event_id, reservation_id, topic, kafka_partition, kafka_offset)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::bigint[])`,
	}, nil
}

// Schema returns the PostgreSQL schema the processor writes to.
func (p *Processor) Schema() string { return p.schema }

// Routes are the per-event routes: one handler call per event, each writing the projection
// row, the applied-event row and one outbox message, each write sent at once (three round
// trips per event).
func (p *Processor) Routes() []stream.Route {
	return []stream.Route{
		stream.Handle(CreatedTopic, p.created),
		stream.Handle(StatusTopic, p.statusChanged),
	}
}

// DeferredRoutes are Routes whose handlers queue their three writes with stream.Deferred:
// they go out in one round trip, with the COMMIT for a batch's last event.
func (p *Processor) DeferredRoutes() []stream.Route {
	d := *p
	d.deferred = true
	return d.Routes()
}

// BatchRoutes are the same effects through the batch form for created events: one
// statement per table (and one outbox insert) per transaction, however many events.
func (p *Processor) BatchRoutes() []stream.Route {
	return []stream.Route{
		stream.HandleBatch(CreatedTopic, p.createdBatch),
		stream.Handle(StatusTopic, p.statusChanged),
	}
}

// ownTopology is topics.yaml with the test processor as the producer of OutputTopic: it is no
// service of the domain, yet emits the way services do (outbox.Emitter checks producers).
func ownTopology() (*topology.Topology, error) {
	topo, err := topology.Default()
	if err != nil {
		return nil, fmt.Errorf("testproc: %w", err)
	}
	t, ok := topo.Topic(OutputTopic)
	if !ok {
		return nil, fmt.Errorf("testproc: topics.yaml lacks %s", OutputTopic)
	}
	t.Producers = []string{Group}
	return &topology.Topology{Services: topo.Services, Topics: []topology.Topic{t}}, nil
}
