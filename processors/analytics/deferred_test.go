package analytics

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// TestRebuildDefersTheRollupsAndCompletesThemAtItsEnd: the same random batches (late
// events, duplicates) written live and then replayed by a rebuild give the same rollups
// and the same dashboard answers once the rebuild ends. During the replay the batches
// write facts only and the API says it is rebuilding; the deferred state survives a
// restart halfway and a completion that never committed (a crash in it); a batch still
// open when the end comes is waited for and counted; after the end a batch's rollups are
// incremental again. The consumer is off: the test writes the batches and moves the
// stored offsets itself, as the replay would.
func TestRebuildDefersTheRollupsAndCompletesThemAtItsEnd(t *testing.T) {
	t.Parallel()
	svc := servicetest.Start(t, Spec, servicetest.WithOpenAPICheck(), servicetest.WithoutConsumer(),
		servicetest.WithoutWorkers("partition maintenance", "rebuild progress"))
	ctx := context.Background()
	now := time.Now().UTC()
	batches := randomBatches(t, rand.New(rand.NewPCG(21, 13)), now, 0)
	win := "from=" + now.AddDate(-2, 0, 0).Format(time.DateOnly) + "&to=" + now.Format(time.DateOnly)
	dashboards := func() []string {
		var out []string
		for _, call := range [][2]string{
			{CallerAnalysts, "/v1/booking-trends?by=trip&bucket=month&" + win},
			{CallerAnalysts, "/v1/safety-metrics?bucket=day&" + win},
			{CallerFinanceOps, "/v1/revenue?bucket=month&" + win},
			{CallerAnalysts, "/v1/utilization?by=location&bucket=month&" + win},
		} {
			r := svc.Call(call[0], "GET", call[1], nil)
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", call[1], r.Status, r.Body)
			}
			out = append(out, string(r.Body))
		}
		return out
	}
	rebuilding := func() string {
		t.Helper()
		if err := svc.State.trackRebuild(ctx); err != nil {
			t.Fatal(err)
		}
		return svc.Call(CallerAnalysts, "GET", "/v1/safety-metrics", nil).Header.Get(HeaderRebuild)
	}
	countRollups := func() int {
		var n int
		if err := svc.DB.QueryRow(ctx, `SELECT count(*) FROM analytics.rollups`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	apply := func(rows []row) {
		t.Helper()
		if err := pgx.BeginFunc(ctx, svc.DB, func(tx pgx.Tx) error { return svc.State.facts.Apply(ctx, tx, rows) }); err != nil {
			t.Fatal(err)
		}
	}

	for _, b := range batches {
		apply(b)
	}
	live, liveAnswers := allRollups(t, svc.DB), dashboards()
	if len(live) == 0 {
		t.Fatal("no rollups were written live")
	}

	// The rebuild: its target is one record, so it ends when the test says so.
	topic, key, ev := sample(6, 0, now)
	rec := svc.Publish(topic, key, ev)
	if err := pgx.BeginFunc(ctx, svc.DB, func(tx pgx.Tx) error { return Spec.Rebuild(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	if h := rebuilding(); h == "" {
		t.Fatalf("no %s after the reset", HeaderRebuild)
	}
	half := len(batches) / 2
	for _, b := range batches[:half] {
		apply(b)
	}
	if n := countRollups(); n != 0 {
		t.Fatalf("%d rollups written during the rebuild, want them deferred", n)
	}
	svc.Restart()
	if h := rebuilding(); h == "" {
		t.Fatalf("no %s after a restart halfway through the rebuild", HeaderRebuild)
	}
	for _, b := range batches[half : len(batches)-1] {
		apply(b)
	}
	if n := countRollups(); n != 0 {
		t.Fatalf("%d rollups written after the restart, want them still deferred", n)
	}

	// A completion that does not commit (a crash in it) leaves the rebuild deferred.
	var started time.Time
	if err := svc.DB.QueryRow(ctx, `SELECT started_at FROM analytics.rebuilds WHERE finished_at IS NULL`).Scan(&started); err != nil {
		t.Fatal(err)
	}
	tx, err := svc.DB.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.State.finishRebuild(ctx, tx, started); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countRollups(); n != 0 {
		t.Fatalf("%d rollups after a completion that did not commit, want 0", n)
	}

	// The replay reaches its end while the last batch is still open: the end waits for it
	// (on the rollups' lock) and counts it.
	if _, err := svc.DB.Exec(ctx, `INSERT INTO analytics.consumer_offsets (consumer_group, topic, partition, next_offset)
		VALUES ($1, $2, $3, $4)`, ServiceName, rec.Topic, rec.Partition, rec.Offset+1); err != nil {
		t.Fatal(err)
	}
	open, err := svc.DB.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.State.facts.Apply(ctx, open, batches[len(batches)-1]); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() { ended <- svc.State.trackRebuild(ctx) }()
	svc.AwaitCount(1, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	if err := open.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-ended; err != nil {
		t.Fatal(err)
	}
	if h := rebuilding(); h != "" {
		t.Fatalf("%s = %q after the replay reached its target", HeaderRebuild, h)
	}
	if got := allRollups(t, svc.DB); !slices.Equal(got, live) {
		t.Fatalf("rollups after the rebuild (%d rows) differ from the live ones (%d rows)", len(got), len(live))
	}
	if got := dashboards(); !slices.Equal(got, liveAnswers) {
		t.Fatalf("dashboards after the rebuild differ from the live ones:\n%q\nlive:\n%q", got, liveAnswers)
	}

	// After the rebuild a batch updates the rollups in its own transaction.
	_, _, late := sample(6, 1, now.AddDate(0, -3, 0))
	apply(rowsOf(late.EventMeta().EventID, mapEvent(t, late)))
	incremental := allRollups(t, svc.DB)
	full := refreshedRollups(t, svc)
	if slices.Equal(incremental, live) || !slices.Equal(incremental, full) {
		t.Fatalf("a batch after the rebuild: %d rollups, %d before it, %d by a full refresh; want it counted at once", len(incremental), len(live), len(full))
	}
}

// TestFactsOnlyWriteStoresEachFactOnce: during a rebuild a batch goes in by COPY; one with
// a duplicate inside, or with facts already stored, makes COPY fail on the key, and the
// batch is written by the INSERT that skips them instead: each fact once, nothing lost.
func TestFactsOnlyWriteStoresEachFactOnce(t *testing.T) {
	t.Parallel()
	// Without the "rebuild progress" worker: with no consumer its target is reached at
	// once, and it would end the rebuild (and count the rollups) under the test's feet.
	svc := servicetest.Start(t, Spec, servicetest.WithoutConsumer(),
		servicetest.WithoutWorkers("partition maintenance", "rebuild progress"))
	ctx := context.Background()
	if err := pgx.BeginFunc(ctx, svc.DB, func(tx pgx.Tx) error { return Spec.Rebuild(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	var events [3][]row
	for i := range events {
		_, _, ev := sample(i, i, time.Now().UTC().Add(-time.Duration(i)*time.Hour))
		events[i] = rowsOf(ev.EventMeta().EventID, mapEvent(t, ev))
	}
	factRows := func() int64 {
		t.Helper()
		cs, err := Checksums(ctx, svc.DB)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, c := range cs {
			if c.Table != "rollups" {
				n += c.Rows
			} else if c.Rows != 0 {
				t.Fatalf("%d rollups during the rebuild, want none", c.Rows)
			}
		}
		return n
	}
	want := int64(len(events[0]) + len(events[1]) + len(events[2]))
	for _, batch := range [][]row{
		events[0],                           // COPY
		slices.Concat(events[1], events[1]), // a duplicate inside the batch
		slices.Concat(events[0], events[1], events[2]), // two events stored, one new
		events[2], // all stored
	} {
		if err := pgx.BeginFunc(ctx, svc.DB, func(tx pgx.Tx) error { return write(ctx, tx, batch) }); err != nil {
			t.Fatal(err)
		}
	}
	if got := factRows(); got != want {
		t.Fatalf("%d fact rows, want %d (each fact once)", got, want)
	}
}
