package stream_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// cpuMeter measures the CPU time a replay costs in each process that does its work: this
// process (the runtime), the broker's child process, and the PostgreSQL backends serving
// the benchmark's database. Unlike the wall-clock rate, CPU time per event hardly moves with
// the machine's load (other processes take turns on the cores, they do not make ours do
// more work), so it is the figure to judge linearity by on a shared machine.
type cpuMeter struct {
	pool   *pgxpool.Pool
	broker int // the broker child's pid
	self   time.Duration
	child  time.Duration
	pg     map[int]time.Duration // backends' CPU at start, by pid
}

func startCPU(b *testing.B, pool *pgxpool.Pool, broker int) *cpuMeter {
	b.Helper()
	m := &cpuMeter{pool: pool, broker: broker, self: selfCPU(), child: procCPU(broker), pg: map[int]time.Duration{}}
	for _, pid := range backends(b, pool) {
		m.pg[pid] = procCPU(pid)
	}
	return m
}

// report adds the CPU microseconds per event of each process since start to b's metrics.
// Call it before the pool's connections close: a backend's CPU is read from /proc.
func (m *cpuMeter) report(b *testing.B, events int) {
	b.Helper()
	var pg time.Duration
	for _, pid := range backends(b, m.pool) {
		pg += procCPU(pid) - m.pg[pid] // a backend started during the run counts from zero
	}
	self, child := selfCPU()-m.self, procCPU(m.broker)-m.child
	perEvent := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(events) }
	b.ReportMetric(perEvent(self), "cpu-µs/event-client")
	b.ReportMetric(perEvent(child), "cpu-µs/event-broker")
	b.ReportMetric(perEvent(pg), "cpu-µs/event-postgres")
	b.ReportMetric(perEvent(self+child+pg), "cpu-µs/event-total")
}

// backends lists the pids of the client backends connected to the pool's database (the
// benchmark's own: pgtest gives each a fresh one).
func backends(b *testing.B, pool *pgxpool.Pool) []int {
	b.Helper()
	rows, err := pool.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			b.Fatal(err)
		}
		pids = append(pids, pid)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return pids
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// userHZ is the unit of /proc/<pid>/stat's CPU times on Linux (USER_HZ, 100 on every
// architecture Go supports).
const userHZ = 100

// procCPU is the user plus system CPU time of pid from /proc/<pid>/stat; zero when it
// cannot be read (another machine's PostgreSQL, no /proc), which then shows as a zero
// figure rather than a wrong one.
func procCPU(pid int) time.Duration {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces: count from after it.
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	return time.Duration(utime+stime) * time.Second / userHZ
}
