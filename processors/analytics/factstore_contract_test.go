package analytics

import (
	"context"
	"fmt"
	"maps"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// factSubject is one store behind the factStore port, for the contract every adapter
// passes (the PostgreSQL one always, the Oracle one when ORACLE_DSN is set).
type factSubject struct {
	facts factStore
	// batches is the PostgreSQL database whose transactions stand for the runtime's
	// batches: the inbox and offsets are in PostgreSQL whichever store holds the facts.
	batches *pgxpool.Pool
}

// TestPostgresFactStoreContract runs the store contract on the PostgreSQL store, each case
// on its own database.
func TestPostgresFactStoreContract(t *testing.T) {
	t.Parallel()
	runFactStoreContract(t, func(t *testing.T) factSubject {
		svc := startStore(t)
		return factSubject{facts: svc.State.facts, batches: svc.DB}
	})
}

// runFactStoreContract is what any factStore must do: count a duplicate once (inside a
// batch, and when a whole batch is applied again, as after a crash between the store's
// commit and the runtime's), put a late event in its own month, keep rollups equal to a
// recomputation and to an independent count, and drop exactly the oldest month.
func runFactStoreContract(t *testing.T, open func(t *testing.T) factSubject) {
	t.Run("DuplicateCountsOnce", func(t *testing.T) { contractDuplicate(t, open(t)) })
	t.Run("LateEventLandsInItsOwnMonth", func(t *testing.T) { contractLateEvent(t, open(t)) })
	t.Run("RollupsEqualRecomputation", func(t *testing.T) { contractRollups(t, open(t)) })
	t.Run("DropOldestMonthRemovesExactlyItsRows", func(t *testing.T) { contractRetention(t, open(t)) })
}

// apply writes rows as one batch of the runtime: in a PostgreSQL transaction that commits
// after the store's Apply.
func (s factSubject) apply(t *testing.T, rows []row) {
	t.Helper()
	ctx := context.Background()
	if err := pgx.BeginFunc(ctx, s.batches, func(tx pgx.Tx) error { return s.facts.Apply(ctx, tx, rows) }); err != nil {
		t.Fatal(err)
	}
}

// checksums are the store's checksums, by table.
func (s factSubject) checksums(t *testing.T) map[string]Checksum {
	t.Helper()
	sums, err := s.facts.Checksums(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Checksum{}
	for _, c := range sums {
		out[c.Table] = c
	}
	return out
}

// eventRows are the rows of sample(k, n, at), through the subscription's mapping.
func eventRows(t *testing.T, k, n int, at time.Time) []row {
	_, _, ev := sample(k, n, at)
	return rowsOf(ev.EventMeta().EventID, mapEvent(t, ev))
}

func contractDuplicate(t *testing.T, s factSubject) {
	now := time.Now().UTC()
	a, b := eventRows(t, 0, 1, now), eventRows(t, 0, 2, now)
	batch := slices.Concat(a, b, a) // a duplicate inside the batch
	s.apply(t, batch)
	once := s.checksums(t)
	s.apply(t, batch) // the whole batch again: a crash before the runtime's commit
	if again := s.checksums(t); !maps.Equal(once, again) {
		t.Fatalf("applying the batch again changed the store:\nonce  %v\nagain %v", once, again)
	}
	var rows int64
	for _, name := range tableNames {
		rows += once[name].Rows
	}
	if rows != int64(len(a)+len(b)) {
		t.Fatalf("the fact tables have %d rows, want %d (two events)", rows, len(a)+len(b))
	}
	assertRollupsMatch(t, s, distinctRows(batch), now.AddDate(0, -1, 0), now)
}

func contractLateEvent(t *testing.T, s factSubject) {
	now := time.Now().UTC()
	late := now.AddDate(0, 0, -40)
	current, old := eventRows(t, 6, 1, now), eventRows(t, 6, 2, late)
	s.apply(t, current)
	s.apply(t, old)
	win := window{from: monthStart(late), to: now, bucket: "month", by: "all"}
	rows, err := s.facts.Rollups(context.Background(), safetyMetrics, win)
	if err != nil {
		t.Fatal(err)
	}
	months := map[string]int64{}
	for _, r := range rows {
		if r.Metric == "incidents" {
			months[r.Bucket] += r.Count
		}
	}
	lateMonth, thisMonth := monthStart(late).Format(time.DateOnly), monthStart(now).Format(time.DateOnly)
	if months[lateMonth] != 1 || months[thisMonth] != 1 {
		t.Fatalf("incidents per month %v; want one in %s (40 days late) and one in %s", months, lateMonth, thisMonth)
	}
	// Its own partition: dropping the months before this one removes exactly the late rows.
	if _, err := s.facts.Maintain(context.Background(), []time.Time{monthStart(now)}, monthStart(now)); err != nil {
		t.Fatal(err)
	}
	if got := s.checksums(t)[safetyMetrics.String()].Rows; got != int64(len(current)) {
		t.Fatalf("after dropping the late event's month safety_metrics has %d rows, want %d", got, len(current))
	}
}

func contractRollups(t *testing.T, s factSubject) {
	now := time.Now().UTC()
	r := rand.New(rand.NewPCG(13, 13))
	var pool [][]row
	for i := range 60 {
		at := now.Add(-time.Duration(r.Int64N(int64(5 * 30 * 24 * time.Hour))))
		pool = append(pool, eventRows(t, r.IntN(kinds), 500+i, at))
	}
	var all []row
	for range 8 {
		var batch []row
		for range 1 + r.IntN(20) {
			batch = append(batch, pool[r.IntN(len(pool))]...)
		}
		s.apply(t, batch)
		all = append(all, batch...)
	}
	from := now.AddDate(0, -6, 0)
	incremental := snapshotRollups(t, s.facts, from, now)
	if err := s.facts.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if full := snapshotRollups(t, s.facts, from, now); !slices.Equal(incremental, full) {
		t.Fatalf("incremental rollups (%d rows) differ from the full recomputation (%d rows)", len(incremental), len(full))
	}
	assertRollupsMatch(t, s, distinctRows(all), from, now)
}

func contractRetention(t *testing.T, s factSubject) {
	now := time.Now().UTC()
	var rows []row
	byMonth := map[time.Time]int{}
	for m := range 3 {
		at := monthStart(now).AddDate(0, -m, 0).Add(time.Hour)
		for k := range 4 {
			rs := eventRows(t, k, 700+m, at)
			rows = append(rows, rs...)
			byMonth[monthStart(at)] += len(rs)
		}
	}
	s.apply(t, rows)
	before := s.checksums(t)
	oldest := monthStart(now).AddDate(0, -2, 0)
	dropped, err := s.facts.Maintain(context.Background(), []time.Time{monthStart(now)}, oldest.AddDate(0, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) == 0 {
		t.Fatal("retention dropped nothing")
	}
	after := s.checksums(t)
	var removed int64
	for _, name := range tableNames {
		removed += before[name].Rows - after[name].Rows
	}
	if removed != int64(byMonth[oldest]) {
		t.Fatalf("dropping %s removed %d rows, want exactly its %d", oldest.Format("2006-01"), removed, byMonth[oldest])
	}
	var kept []row
	for _, r := range rows {
		if !r.at.Before(oldest.AddDate(0, 1, 0)) {
			kept = append(kept, r)
		}
	}
	assertRollupsMatch(t, s, kept, oldest, now)
}

// firstBucket is the bucket of grain holding at.
func firstBucket(at time.Time, grain string) time.Time {
	if grain == "month" {
		return monthStart(at)
	}
	return at.UTC().Truncate(24 * time.Hour)
}

// snapshotRollups is every rollup a store serves from from to to, for every table, slice
// and grain, as sorted text with exact decimals normalized.
func snapshotRollups(t *testing.T, s factStore, from, to time.Time) []string {
	t.Helper()
	var out []string
	for tb := range tableCount {
		for _, by := range []string{"all", "trip", "guide", "location"} {
			for _, grain := range []string{"day", "month"} {
				win := window{from: firstBucket(from, grain), to: to, bucket: grain, by: by}
				rows, err := s.Rollups(context.Background(), tb, win)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					out = append(out, rollupKey(tb, by, grain, r.Bucket, r.Key, r.Metric, r.Currency)+fmt.Sprintf("|%d|%s", r.Count, ratText(t, r.Total)))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// assertRollupsMatch checks the store's rollups from from to to against an independent
// count of rows (distinct facts) in Go.
func assertRollupsMatch(t *testing.T, s factSubject, rows []row, from, to time.Time) {
	t.Helper()
	type agg struct {
		n     int64
		total *big.Rat
	}
	want := map[string]*agg{}
	for _, r := range rows {
		for _, grain := range []string{"day", "month"} {
			bucket := firstBucket(r.at, grain)
			if bucket.Before(firstBucket(from, grain)) || bucket.After(to) {
				continue // outside the window read
			}
			for _, d := range [][2]string{{"all", ""}, {"trip", r.trip}, {"guide", r.guide}, {"location", r.location}} {
				if d[0] != "all" && d[1] == "" {
					continue
				}
				k := rollupKey(r.table, d[0], grain, bucket.Format(time.DateOnly), d[1], r.metric, r.currency)
				if want[k] == nil {
					want[k] = &agg{total: new(big.Rat)}
				}
				v, ok := new(big.Rat).SetString(r.value)
				if !ok {
					t.Fatalf("value %q", r.value)
				}
				want[k].n++
				want[k].total.Add(want[k].total, v)
			}
		}
	}
	var expect []string
	for k, a := range want {
		expect = append(expect, k+fmt.Sprintf("|%d|%s", a.n, a.total.RatString()))
	}
	slices.Sort(expect)
	got := snapshotRollups(t, s.facts, from, to)
	if !slices.Equal(got, expect) {
		missing, extra := difference(expect, got), difference(got, expect)
		t.Fatalf("rollups differ from the independent count: %d missing, e.g. %v; %d unexpected, e.g. %v",
			len(missing), head(missing), len(extra), head(extra))
	}
}

func rollupKey(tb table, by, grain, bucket, key, metric, currency string) string {
	return strings.Join([]string{tb.String(), by, grain, bucket, key, metric, currency}, "|")
}

// ratText is a decimal as an exact fraction, so "2.50" and "2.5" compare equal.
func ratText(t *testing.T, s string) string {
	t.Helper()
	v, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("total %q is not a decimal", s)
	}
	return v.RatString()
}

// difference is the elements of a not in b.
func difference(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	return out
}

func head(s []string) []string { return s[:min(3, len(s))] }
