package soak

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/testkit/pgtest"
)

// TestDrainPaceTellsSlowFromStuck: the drain prints the rate its work shrinks at every
// minute, and at its end how long the rest would take at the whole drain's rate, or that
// nothing moved: the 20x day's drain ended with "12 rows left" while 105,652 deliveries
// were still queued, which only a rate shows.
func TestDrainPaceTellsSlowFromStuck(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 23, 26, 35, 0, time.UTC)
	p := pace{left: -1}
	if line := p.next(1200, t0); line != "" {
		t.Errorf("first look printed %q: want nothing", line)
	}
	if line := p.next(1100, t0.Add(30*time.Second)); line != "" {
		t.Errorf("look before a minute printed %q: want nothing", line)
	}
	if line := p.next(-1, t0.Add(2*time.Minute)); line != "" {
		t.Errorf("failed look printed %q: want nothing", line)
	}
	if line := p.next(600, t0.Add(time.Minute)); line != "600 left, 10.0/s over the last 1m0s" {
		t.Errorf("after a minute: %q", line)
	}
	if got := p.overall(600, t0.Add(time.Minute)); got != "1200 at the start, 10.0/s over 1m0s: about 1m0s more at that rate" {
		t.Errorf("slow drain: %q", got)
	}
	stuck := pace{left: -1}
	stuck.next(12, t0)
	if got := stuck.overall(12, t0.Add(15*time.Minute)); !strings.HasSuffix(got, "no progress, something is stuck") {
		t.Errorf("stuck drain: %q", got)
	}
}

// TestOutboxAgeIsJudgedAtTheStop: a row that had waited 60 s when the services stopped is a
// stuck relay's, however soon the check runs; rows committed while the services stopped
// (after their relays gave up, as svc-notifications' last status events were) count with
// age 0, however late the check runs.
func TestOutboxAgeIsJudgedAtTheStop(t *testing.T) {
	ctx := context.Background()
	db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE SCHEMA svc; CREATE TABLE svc.outbox (id bigint PRIMARY KEY, created_at timestamptz NOT NULL)`)
	stopped := time.Now().Add(-2 * time.Minute) // the check runs two minutes after the stop
	pgtest.Exec(t, db, `INSERT INTO svc.outbox VALUES (1, $1), (2, $2)`, stopped.Add(time.Second), stopped.Add(2*time.Second))
	rows, age, err := outboxWaiting(ctx, db, "svc", stopped)
	if err != nil {
		t.Fatal(err)
	}
	if rows != 2 || age != 0 {
		t.Errorf("rows committed after the stop: %d rows, age %v; want 2 rows, age 0", rows, age)
	}
	pgtest.Exec(t, db, `INSERT INTO svc.outbox VALUES (3, $1)`, stopped.Add(-60*time.Second))
	rows, age, err = outboxWaiting(ctx, db, "svc", stopped)
	if err != nil {
		t.Fatal(err)
	}
	if rows != 3 || age < 59*time.Second || age > 61*time.Second {
		t.Errorf("a row 60 s old at the stop: %d rows, age %v; want 3 rows, age 60s", rows, age)
	}
}
