package pgoutbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/cpustat"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/outbox"
	"github.com/novatrek/support/outbox/outboxtest"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// TestContract runs the outbox contract against real PostgreSQL and the in-process Kafka.
func TestContract(t *testing.T) { outboxtest.Run(t, open) }

// TestContractFenced runs the contract with fencing relays (outbox.Config.Fence).
func TestContractFenced(t *testing.T) { outboxtest.RunFenced(t, open) }

// BenchmarkRelayThroughput relays a backlog (see outboxtest.Throughput) and sets its rows/s
// beside the store's own limit measured in the same run: a raw DELETE … RETURNING drain of as
// many rows in batches of 1,000, without Kafka. x_raw is their ratio (target
// ≥ 0.5); raw_server_cpu_us/row is the drain's PostgreSQL CPU per row, to set beside the
// relay's server_cpu_us/row.
func BenchmarkRelayThroughput(b *testing.B) {
	raw, rawCPU := rawDrain(b, outboxtest.ThroughputRows(b))
	relay := outboxtest.Throughput(b, open)
	b.ReportMetric(raw, "raw_drain_rows/s")
	b.ReportMetric(rawCPU, "raw_server_cpu_us/row")
	b.ReportMetric(relay/raw, "x_raw")
}

// rawDrain enqueues n rows into a fresh outbox and returns the rows/s of emptying it with
// DELETE … RETURNING in id order, 1,000 rows per statement (as the peers bench's drain), and
// the PostgreSQL CPU per row that took.
func rawDrain(b *testing.B, n int) (rate, cpuPerRow float64) {
	b.Helper()
	ob := open(b)
	for first := 0; first < n; first += 1000 {
		msgs := make([]outbox.Message, min(1000, n-first))
		for i := range msgs {
			msgs[i] = outboxtest.ThroughputMessage("novatrek.bench.raw", first+i)
		}
		outboxtest.Commit(b, ob, msgs...)
	}
	pool := ob.(*pgOutbox).pool
	ctx := context.Background()
	start, cpu := time.Now(), ob.(*pgOutbox).ServerCPU(b)
	for {
		tag, err := pool.Exec(ctx, `DELETE FROM svc.outbox WHERE id IN (SELECT id FROM svc.outbox ORDER BY id LIMIT $1)
			RETURNING topic, key, value, headers`, 1000)
		if err != nil {
			b.Fatal(err)
		}
		if tag.RowsAffected() == 0 {
			elapsed, cpu := time.Since(start), ob.(*pgOutbox).ServerCPU(b)-cpu
			return float64(n) / elapsed.Seconds(), float64(cpu.Microseconds()) / float64(n)
		}
	}
}

func BenchmarkEndToEndLatency(b *testing.B) { outboxtest.EndToEndLatency(b, open) }

// BenchmarkRelayCompression relays the simulator's events (Avro in the Confluent wire format,
// as our services publish them) with each KAFKA_COMPRESSION codec: rows/s and bytes on the
// wire per row, the measurement behind config.DefaultKafkaCompression.
func BenchmarkRelayCompression(b *testing.B) {
	values := simulatedEvents(b, 10_000)
	for _, name := range config.Compressions() {
		codec, err := config.CompressionOpt(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) { outboxtest.CompressedThroughput(b, open, codec, values) })
	}
}

// simulatedEvents are n events of the simulator's traffic mix, each Avro-encoded behind a
// Confluent wire-format header (schema id 1: ids do not change the size).
func simulatedEvents(b *testing.B, n int) [][]byte {
	topo, err := topology.Default()
	if err != nil {
		b.Fatal(err)
	}
	g, err := simulate.NewGenerator("bench", topo)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	out := make([][]byte, n)
	for i := range out {
		ev, err := g.Next(now.Add(time.Duration(i) * time.Second))
		if err != nil {
			b.Fatal(err)
		}
		body, err := ev.Value.Marshal()
		if err != nil {
			b.Fatal(err)
		}
		out[i] = append([]byte{0, 0, 0, 0, 1}, body...)
	}
	return out
}

const schema = "svc"

// pgOutbox is a fresh database with the outbox migrated into schema svc.
type pgOutbox struct {
	pool *pgxpool.Pool
	o    *pgoutbox.Outbox
}

func open(t testing.TB) outboxtest.Outbox {
	pool, o := newOutbox(t)
	return &pgOutbox{pool: pool, o: o}
}

func newOutbox(t testing.TB) (*pgxpool.Pool, *pgoutbox.Outbox) {
	t.Helper()
	pool := pgtest.NewDB(t)
	if _, err := migrate.Apply(context.Background(), pool, schema, pgoutbox.Migrations()); err != nil {
		t.Fatal(err)
	}
	o, err := pgoutbox.New(schema)
	if err != nil {
		t.Fatal(err)
	}
	return pool, o
}

func (p *pgOutbox) Store() outbox.Store { return p.o.Store(p.pool) }

func (p *pgOutbox) Begin(t testing.TB) outboxtest.Tx {
	t.Helper()
	tx, err := p.pool.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(context.Background()) }) //nolint:errcheck // no-op once committed
	return &pgTx{o: p.o, tx: tx}
}

func (p *pgOutbox) Len(t testing.TB) int { return rowCount(t, p.pool) }

// ServerCPU is the CPU of the backends connected to the test's database (the pool's and the
// relay's leader connection), so the benchmarks can report PostgreSQL's share per row.
func (p *pgOutbox) ServerCPU(t testing.TB) time.Duration {
	t.Helper()
	d, err := cpustat.Backends(context.Background(), p.pool)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// KillLeader terminates the backend holding the relay's advisory lock: the only advisory
// lock in the test's own database.
func (p *pgOutbox) KillLeader(t testing.TB) {
	t.Helper()
	var killed bool
	err := p.pool.QueryRow(context.Background(), `
SELECT pg_terminate_backend(pid) FROM pg_locks
WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&killed)
	if err != nil || !killed {
		t.Fatalf("terminate the lock holder: killed=%v err=%v", killed, err)
	}
}

// MuteNotifications disables the trigger that notifies at commit.
func (p *pgOutbox) MuteNotifications(t testing.TB) {
	pgtest.Exec(t, p.pool, `ALTER TABLE svc.outbox DISABLE TRIGGER outbox_notify`)
}

type pgTx struct {
	o  *pgoutbox.Outbox
	tx pgx.Tx
}

func (x *pgTx) Enqueue(t testing.TB, msgs ...outbox.Message) {
	t.Helper()
	if err := x.o.Enqueue(context.Background(), x.tx, msgs...); err != nil {
		t.Fatal(err)
	}
}

func (x *pgTx) Commit(t testing.TB) {
	t.Helper()
	if err := x.tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (x *pgTx) Rollback(t testing.TB) {
	t.Helper()
	if err := x.tx.Rollback(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func rowCount(t testing.TB, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM svc.outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func msg(topic, key, value string) outbox.Message {
	return outbox.Message{Topic: topic, Key: []byte(key), Value: []byte(value)}
}
