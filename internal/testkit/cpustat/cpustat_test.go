package cpustat_test

import (
	"context"
	"testing"

	"github.com/novatrek/support/internal/testkit/cpustat"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

// TestCPUTimesGrowWithWork: a query that keeps the backend busy shows in Backends, and
// work in this process in Process.
func TestCPUTimesGrowWithWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	pg0, err := cpustat.Backends(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `SELECT count(*) FROM generate_series(1, 5000000)`); err != nil {
		t.Fatal(err)
	}
	if pg1, err := cpustat.Backends(ctx, db); err != nil || pg1 <= pg0 {
		t.Errorf("backend CPU %v → %v (%v) across a busy query", pg0, pg1, err)
	}
	p0 := cpustat.Process()
	x := 0
	for i := range 50_000_000 {
		x ^= i * i
	}
	if p1 := cpustat.Process(); p1 <= p0 {
		t.Errorf("process CPU %v → %v across a busy loop (%d)", p0, p1, x)
	}
}
