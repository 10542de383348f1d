package pgoutbox_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/migrate"
	"github.com/novatrek/support/internal/pgtest"
	"github.com/novatrek/support/outbox"
	"github.com/novatrek/support/outbox/outboxtest"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// TestContract runs the outbox contract against real PostgreSQL and the in-process Kafka.
func TestContract(t *testing.T) { outboxtest.Run(t, open) }

func BenchmarkRelayThroughput(b *testing.B) { outboxtest.Throughput(b, open) }

func BenchmarkEndToEndLatency(b *testing.B) { outboxtest.EndToEndLatency(b, open) }

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
