// Package cpustat reads CPU time for benchmarks: this process's, and that of the PostgreSQL
// backends serving a database, from the kernel. On a shared machine other jobs' load moves
// wall-clock rates from run to run; the CPU an operation costs moves far less, so a
// benchmark reports it beside its rate. Only benchmarks import this package.
package cpustat

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

// Process is this process's CPU time so far (user + system).
func Process() time.Duration { return rusage(syscall.RUSAGE_SELF) }

// Children is the CPU time so far of the child processes this process ran and waited for
// (the PostgreSQL tools a backup benchmark runs, say).
func Children() time.Duration { return rusage(syscall.RUSAGE_CHILDREN) }

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Backends is the CPU time used so far by the PostgreSQL backends connected to db's
// database now, read from /proc (the server must run on this machine; 0 when it does
// not). Backends that disconnected are not counted: sample while the measured pools are
// open.
func Backends(ctx context.Context, db store.DB) (time.Duration, error) {
	rows, err := db.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return 0, fmt.Errorf("cpustat: list the backends: %w", err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0, fmt.Errorf("cpustat: list the backends: %w", err)
	}
	var sum time.Duration
	for _, pid := range pids {
		d, ok := procCPU(int(pid))
		if !ok {
			return 0, nil
		}
		sum += d
	}
	return sum, nil
}

// Child is the CPU time used so far by another process of this machine (a benchmark's
// child serving Kafka, say), read from /proc; 0 when it cannot be read.
func Child(pid int) time.Duration {
	d, _ := procCPU(pid)
	return d
}

// procCPU is pid's user + system CPU time from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// Fields after the parenthesized command: state is field 3, utime 14, stime 15.
	rest := string(data[strings.LastIndexByte(string(data), ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, false
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * (time.Second / 100), true // USER_HZ is 100 on Linux
}
