package analytics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// startStore runs the service without its consumer and workers: the store alone, written
// through the service's writer and maintained by calling maintain at a chosen time.
func startStore(t *testing.T) *servicetest.Service[*app] {
	t.Helper()
	return servicetest.Start(t, Spec, servicetest.WithoutConsumer(), servicetest.WithoutWorkers("partition maintenance"))
}

// aYearOfIncidents writes one incident on the 15th of each of the 12 months before now's.
func aYearOfIncidents(t *testing.T, svc *servicetest.Service[*app], now time.Time) {
	t.Helper()
	var rows []row
	for m := 1; m <= 12; m++ {
		at := monthStart(now).AddDate(0, -m, 14)
		_, _, ev := sample(6, m, at)
		rows = append(rows, rowsOf(ev.EventMeta().EventID, mapEvent(t, ev))...)
	}
	writeRows(t, svc, rows)
}

// TestAYearSpansTwelveMonthlyPartitionsAndRetentionDropsTheOldest: a year of events lands
// in 12 monthly partitions of each fact table, one row each; with a retention of 12 months
// the maintenance round drops exactly the oldest month (its partitions and their rows) and
// creates the months ahead.
func TestAYearSpansTwelveMonthlyPartitionsAndRetentionDropsTheOldest(t *testing.T) {
	t.Parallel()
	svc := startStore(t)
	ctx := context.Background()
	now := time.Now().UTC()
	aYearOfIncidents(t, svc, now)

	var rowsIn, partsUsed int
	if err := svc.DB.QueryRow(ctx, `SELECT count(DISTINCT tableoid), count(*) FROM analytics.safety_metrics`).Scan(&partsUsed, &rowsIn); err != nil {
		t.Fatal(err)
	}
	if partsUsed != 12 || rowsIn != 12 {
		t.Fatalf("a year of incidents: %d rows in %d partitions, want 12 in 12", rowsIn, partsUsed)
	}

	a := svc.State
	a.cfg.RetentionMonths, a.cfg.MonthsAhead = 12, 2
	oldest := monthStart(now).AddDate(0, -12, 0)
	dropped, err := a.maintain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) != int(tableCount) {
		t.Fatalf("dropped %v, want the oldest month of each of the %d tables", dropped, tableCount)
	}
	for _, d := range dropped {
		if !strings.HasSuffix(d, "_"+oldest.Format("200601")) {
			t.Errorf("dropped %s, want only month %s", d, oldest.Format("200601"))
		}
	}
	var left int
	var first time.Time
	if err := svc.DB.QueryRow(ctx, `SELECT count(*), min(occurred_at) FROM analytics.safety_metrics`).Scan(&left, &first); err != nil {
		t.Fatal(err)
	}
	if left != 11 || first.Before(oldest.AddDate(0, 1, 0)) {
		t.Errorf("after retention: %d incidents from %s, want 11 from %s", left, first, oldest.AddDate(0, 1, 0))
	}
	var stale int
	if err := svc.DB.QueryRow(ctx, `SELECT count(*) FROM analytics.rollups WHERE bucket < $1`, oldest.AddDate(0, 1, 0)).Scan(&stale); err != nil || stale != 0 {
		t.Errorf("%d rollups of the dropped month remain (%v)", stale, err)
	}
	ahead := monthStart(now).AddDate(0, 2, 0).Format("200601")
	var exists bool
	if err := svc.DB.QueryRow(ctx, `SELECT to_regclass('analytics.booking_metrics_' || $1) IS NOT NULL`, ahead).Scan(&exists); err != nil || !exists {
		t.Errorf("the partition of %s (two months ahead) does not exist (%v)", ahead, err)
	}
}

// TestNoDefaultPartitionSwallowsRows: a row for a month without a partition is refused,
// not kept in a catch-all that retention would never drop.
func TestNoDefaultPartitionSwallowsRows(t *testing.T) {
	t.Parallel()
	svc := startStore(t)
	_, err := svc.DB.Exec(context.Background(), `INSERT INTO analytics.safety_metrics (event_id, seq, occurred_at, metric, value)
		VALUES (gen_random_uuid(), 0, '1999-01-15T00:00:00Z', 'incidents', 1)`)
	if err == nil || !strings.Contains(err.Error(), "no partition") {
		t.Fatalf("a row of a month without partition: %v, want no partition found", err)
	}
}

// TestOneMonthQueryScansOnlyThatMonth: the plan of the satisfaction query (facts, the
// one endpoint without rollups) over one month touches that month's partitions only.
func TestOneMonthQueryScansOnlyThatMonth(t *testing.T) {
	t.Parallel()
	svc := startStore(t)
	ctx := context.Background()
	now := time.Now().UTC()
	var rows []row
	for m := 1; m <= 12; m++ {
		_, _, ev := sample(16, m, monthStart(now).AddDate(0, -m, 3))
		rows = append(rows, rowsOf(ev.EventMeta().EventID, mapEvent(t, ev))...)
	}
	writeRows(t, svc, rows)
	month := monthStart(now).AddDate(0, -6, 0)
	var plan []string
	err := pgx.BeginFunc(ctx, svc.DB, func(tx pgx.Tx) error {
		r, err := tx.Query(ctx, `EXPLAIN `+satisfactionQuery("guest_id"), "any-guest", month, month.AddDate(0, 1, 0))
		if err != nil {
			return err
		}
		plan, err = pgx.CollectRows(r, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	want := month.Format("200601")
	if !strings.Contains(text, "satisfaction_scores_"+want) || !strings.Contains(text, "guide_performance_"+want) {
		t.Fatalf("plan does not read month %s:\n%s", want, text)
	}
	for m := 1; m <= 12; m++ {
		if other := monthStart(now).AddDate(0, -m, 0).Format("200601"); other != want && strings.Contains(text, "_"+other) {
			t.Errorf("plan reads month %s too:\n%s", other, text)
		}
	}
}
