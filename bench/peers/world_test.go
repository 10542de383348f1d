package peers

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/testproc"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
	"github.com/novatrek/support/schemas"
)

const (
	topic      = testproc.CreatedTopic
	partitions = 6
)

// world is what every contender shares: the events on the topic, their rows for COPY, and
// a database with the projection and the runtime's tables in schema peers.
type world struct {
	b       *testing.B
	kafka   *kafkatest.Env
	admin   *kgo.Client
	n       int
	brokers []string
	serde   *serde.Serde
	pool    *pgxpool.Pool
	rows    [][]any
	facts   [][]any // the same events' rows of the facts table
}

// events is PEERS_EVENTS (default 20,000; `make bench-peers` passes BENCH_EVENTS).
func events() int {
	if n, err := strconv.Atoi(os.Getenv("PEERS_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 20_000
}

func newWorld(b *testing.B, n int) *world {
	b.Helper()
	ctx := context.Background()
	kafka := kafkatest.New(b)
	kafka.CreateTopics(b, partitions, topic)
	cl := kafka.Client(b, kgo.ProducerLinger(5*time.Millisecond), kgo.MaxBufferedRecords(100_000), kgo.ProducerBatchCompression(kgo.NoCompression()))
	g := testproc.Producer{Seed: "peers", Reservations: n}
	if err := g.ProduceCreated(ctx, cl, kafka.Serde, 0, n); err != nil {
		b.Fatal(err)
	}
	w := &world{b: b, kafka: kafka, admin: cl, n: n, brokers: kafka.Brokers, serde: kafka.Serde, pool: pgtest.NewDB(b)}
	if _, err := migrate.Apply(ctx, w.pool, "peers", stream.Migrations(), pgoutbox.Migrations()); err != nil {
		b.Fatal(err)
	}
	for _, ddl := range []string{projection, facts, progress} {
		if _, err := w.pool.Exec(ctx, ddl); err != nil {
			b.Fatal(err)
		}
	}
	for i := range n {
		w.rows = append(w.rows, row(g.Created(i)))
		w.facts = append(w.facts, factRow(g.Created(i)))
	}
	return w
}

// run empties the projection, starts a contender and times it until the projection holds
// every event's row; then it stops the contender.
func (w *world) run(ctx context.Context, contender func(ctx context.Context) error) (time.Duration, error) {
	return w.runInto(ctx, reservationsTable, contender)
}

// runInto is run for a contender writing table.
func (w *world) runInto(ctx context.Context, table pgx.Identifier, contender func(ctx context.Context) error) (time.Duration, error) {
	if err := emptyTable(ctx, w.pool, table); err != nil {
		return 0, err
	}
	return timed(ctx, contender, func(failed <-chan error) error { return awaitRows(ctx, w.pool, table, w.n, failed) })
}

// timed starts contender and returns the time until done (given the channel that carries
// the contender's early return) says it has finished; then it stops the contender.
func timed(ctx context.Context, contender func(ctx context.Context) error, done func(failed <-chan error) error) (time.Duration, error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	failed := make(chan error, 1)
	start := time.Now()
	go func() { failed <- contender(cctx) }()
	if err := done(failed); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// decode is the Confluent-framed Avro of a record as the event.
func (w *world) decode(ctx context.Context, value []byte) (*schemas.ReservationCreated, error) {
	var v schemas.ReservationCreated
	if err := w.serde.Decode(ctx, value, v.Schema(), &v); err != nil {
		return nil, err
	}
	return &v, nil
}
