package stream_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/testkit/cpustat"
)

// cpuMeter measures the CPU time a replay costs in each process that does its work: this
// process (the runtime, or the raw insert's client), the broker's child process, and the
// PostgreSQL backends serving the benchmark's database. Unlike the wall-clock rate, CPU
// time per event hardly moves with the machine's load (other processes take turns on the
// cores, they do not make ours do more work), so it is the figure to judge linearity by on
// a shared machine.
type cpuMeter struct {
	pool                *pgxpool.Pool
	broker              int // the broker child's pid; 0 when there is none
	self, child, server time.Duration
}

func startCPU(b *testing.B, pool *pgxpool.Pool, broker int) *cpuMeter {
	b.Helper()
	m := &cpuMeter{pool: pool, broker: broker, self: cpustat.Process()}
	if broker != 0 {
		m.child = cpustat.Child(broker)
	}
	m.server = backendsCPU(b, pool)
	return m
}

// report adds the CPU microseconds per event of each process since start to b's metrics.
// Call it while the pool's connections are open: a backend's CPU is read from /proc, and
// one that disconnected is no longer counted.
func (m *cpuMeter) report(b *testing.B, events int) {
	b.Helper()
	server := backendsCPU(b, m.pool) - m.server
	self := cpustat.Process() - m.self
	var child time.Duration
	if m.broker != 0 {
		child = cpustat.Child(m.broker) - m.child
	}
	perEvent := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(events) }
	b.ReportMetric(perEvent(self), "cpu-µs/event-client")
	b.ReportMetric(perEvent(child), "cpu-µs/event-broker")
	b.ReportMetric(perEvent(server), "cpu-µs/event-postgres")
	b.ReportMetric(perEvent(self+child+server), "cpu-µs/event-total")
}

func backendsCPU(b *testing.B, pool *pgxpool.Pool) time.Duration {
	b.Helper()
	d, err := cpustat.Backends(context.Background(), pool)
	if err != nil {
		b.Fatal(err)
	}
	return d
}
