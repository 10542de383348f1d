package analytics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"
)

// oracleForTest is the Oracle store at ORACLE_DSN, migrated and emptied; without
// ORACLE_DSN the test is skipped saying so. The tests using it share its schema, so none
// of them is parallel.
func oracleForTest(t *testing.T) *oracleFacts {
	t.Helper()
	dsn := os.Getenv("ORACLE_DSN")
	if dsn == "" {
		t.Skip("ORACLE_DSN is not set: no Oracle database to run the Oracle store against (compose.kafka.yml starts one: see the README)")
	}
	c := Config{OracleDSN: dsn}
	if err := c.parseOracleDSN(); err != nil {
		t.Fatal(err)
	}
	s, err := openOracle(context.Background(), c.oracle)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.db.Close() })
	if err := s.empty(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOracleFactStoreContract runs the store contract on the Oracle store, each case from
// empty tables; the runtime's batches are PostgreSQL transactions, as in the service.
func TestOracleFactStoreContract(t *testing.T) {
	ora := oracleForTest(t)
	runFactStoreContract(t, func(t *testing.T) factSubject {
		if err := ora.empty(context.Background()); err != nil {
			t.Fatal(err)
		}
		return factSubject{facts: ora, batches: startStore(t).DB}
	})
}

// TestOracleDashboardsEqualPostgres: the same random events (five months, duplicates,
// late arrivals) written to both stores give the same answer to every read the API, the
// forecast and the reconciliation make.
func TestOracleDashboardsEqualPostgres(t *testing.T) {
	ora := oracleForTest(t)
	svc := startStore(t)
	pg, oracle := factSubject{facts: svc.State.facts, batches: svc.DB}, factSubject{facts: ora, batches: svc.DB}
	now := time.Now().UTC()
	r := rand.New(rand.NewPCG(5, 13))
	var all []row
	for range 10 {
		var batch []row
		for range 1 + r.IntN(30) {
			at := now.Add(-time.Duration(r.Int64N(int64(150 * 24 * time.Hour))))
			batch = append(batch, eventRows(t, r.IntN(kinds), r.IntN(200), at)...)
		}
		pg.apply(t, batch)
		oracle.apply(t, batch)
		all = append(all, batch...)
	}
	from := now.AddDate(0, -6, 0)
	want, got := everyRead(t, pg.facts, all, from, now), everyRead(t, oracle.facts, all, from, now)
	if !slices.Equal(want, got) {
		missing, extra := difference(want, got), difference(got, want)
		t.Fatalf("Oracle answers differ from PostgreSQL's: %d missing, e.g. %v; %d unexpected, e.g. %v", len(missing), head(missing), len(extra), head(extra))
	}
}

// everyRead is every answer of s for the rows' window, trips, guides, guests and days, as
// sorted text (decimals exact, floats to 9 digits).
func everyRead(t *testing.T, s factStore, rows []row, from, to time.Time) []string {
	t.Helper()
	ctx := context.Background()
	out := snapshotRollups(t, s, from, to)
	add := func(parts ...any) { out = append(out, fmt.Sprint(parts...)) }
	for _, grain := range []string{"day", "month"} {
		for _, by := range []string{"all", "trip", "location"} {
			win := window{from: firstBucket(from, grain), to: to, bucket: grain, by: by}
			us, err := s.Utilization(ctx, win)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range us {
				add("utilization|", grain, by, u.Bucket, u.Key, fmt.Sprintf("%.9g", u.Ratio), ratText(t, u.Occupancy), ratText(t, u.Capacity))
			}
		}
		rev, err := s.Revenue(ctx, window{from: firstBucket(from, grain), to: to, bucket: grain, by: "all"})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range rev {
			add("revenue|", grain, l.Bucket, l.Currency, l.Gross, l.Refunded, l.DisputeLost, l.Net)
		}
	}
	days := map[time.Time]bool{}
	for _, r := range rows {
		days[r.at.UTC().Truncate(24*time.Hour)] = true
		for _, target := range satisfactionTargets {
			id := map[string]string{"guest_id": r.guest, "trip_id": r.trip, "guide_id": r.guide}[target.column]
			if id == "" {
				continue
			}
			lines, err := s.Satisfaction(ctx, target, id, window{from: from.Truncate(24 * time.Hour), to: to.Truncate(24 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range lines {
				add("satisfaction|", target.targetType, id, l.Metric, l.Count, ratText(t, l.Total), fmt.Sprintf("%.9g", l.Average))
			}
		}
		if r.currency != "" || r.trip != "" {
			win := window{bucket: "day", by: "all"}
			if r.trip != "" {
				win.by, win.key = "trip", r.trip
			}
			series, err := s.Series(ctx, r.table, r.metric, win, r.currency, from.Truncate(24*time.Hour), to.Truncate(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			for b, v := range series {
				add("series|", r.table, r.metric, win.key, r.currency, b.Format(time.DateOnly), fmt.Sprintf("%.9g", v))
			}
		}
	}
	for day := range days {
		totals, err := s.DayRevenue(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range totals {
			add("day|", day.Format(time.DateOnly), d.currency, d.metric, d.total, d.n)
			caps, err := s.DayCaptures(ctx, day, d.currency)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range caps {
				add("capture|", day.Format(time.DateOnly), d.currency, c.id, c.total)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
