package weather

import (
	"context"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/nwsfake"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
)

// TestAMissIsAnsweredBeforeItsRecordAndStartsNoSecondChain: with the observations table
// locked, a cold read is still answered (its record waits behind the answer, not the
// answer behind it); while the record waits, reads of the cell on this instance and on a
// second one are answered without a second provider chain; once the table is free the
// observation is recorded.
func TestAMissIsAnsweredBeforeItsRecordAndStartsNoSecondChain(t *testing.T) {
	t.Parallel()
	svc, f, _ := started(t)
	ctx := context.Background()
	tx, err := svc.DB.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `LOCK TABLE weather.observations IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	answered := make(chan int, 1)
	go func() { answered <- svc.Call(wildlife, "GET", conditionsPath(yosemite), nil).Status }()
	select {
	case status := <-answered:
		if status != 200 {
			t.Fatalf("the cold read: %d", status)
		}
	case <-time.After(streamtest.WaitTimeout):
		t.Fatalf("no answer in %s while the observation's record is held: the answer waits for the record", streamtest.WaitTimeout)
	}
	waiting := func() (bool, error) {
		var n int
		err := svc.DB.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO weather.observations%'`).Scan(&n)
		return n == 1, err
	}
	streamtest.Eventually(t, "the observation's record waiting for the table", waiting)
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 200 {
		t.Errorf("a read while the record waits: %d %s", r.Status, r.Body)
	}
	other := second(t, svc)
	if _, err := other.fetch.read(ctx, other.conditions, yosemite); err != nil {
		t.Errorf("a read on a second instance while the record waits: %v", err)
	}
	if still, err := waiting(); err != nil || !still {
		t.Fatalf("the record stopped waiting before the reads were checked (%v): the test proves nothing", err)
	}
	if got := upstream(f); got != [3]int64{1, 1, 1} {
		t.Errorf("upstream calls (points, stations, observations) = %v, want one chain", got)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	settled(t, svc)
	var n int
	if err := svc.DB.QueryRow(ctx, `SELECT count(*) FROM weather.observations`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d observations recorded (%v), want 1", n, err)
	}
}

// TestAPanickingRefreshFailsItsReadNotTheProcess: a load that panics (in the flight's own
// goroutine, which no handler recovers) answers its callers an error and leaves the
// service running: the next read, with a sound load, is answered.
func TestAPanickingRefreshFailsItsReadNotTheProcess(t *testing.T) {
	t.Parallel()
	svc, _, _ := started(t)
	sound := svc.State.grid.load
	svc.State.grid.load = func(context.Context, Point) (loaded, error) { panic("a bug in a provider parser") }
	r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil)
	if r.Status != 503 {
		t.Errorf("a read whose refresh panicked: %d %s, want 503", r.Status, r.Body)
	}
	settled(t, svc)
	svc.State.grid.load = sound
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 200 {
		t.Errorf("the read after: %d %s", r.Status, r.Body)
	}
}

// TestAPanickingPresentReleasesTheLock: a panic while a flight computes what the API writes
// of its entry (source.present, after the load) fails the read, releases the cell's lock at
// once and caches nothing; the next read, with a sound present, fetches the cell anew.
func TestAPanickingPresentReleasesTheLock(t *testing.T) {
	t.Parallel()
	svc, f, _ := started(t)
	sound := svc.State.conditions.present
	svc.State.conditions.present = func([]byte) ([]byte, error) { panic("a bug in the conditions' encoding") }
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 503 {
		t.Errorf("a read whose present panicked: %d %s, want 503", r.Status, r.Body)
	}
	settled(t, svc)
	fc := svc.State.fetch
	ctx := context.Background()
	n, err := fc.cache.vk.Do(ctx, fc.cache.vk.B().Exists().Key(fc.cache.key("lock:conditions", yosemite.Key()), fc.cache.key("conditions", yosemite.Key())).Build()).AsInt64()
	if err != nil || n != 0 {
		t.Fatalf("%d of the cell's lock and entry left in Valkey (%v), want neither", n, err)
	}
	svc.State.conditions.present = sound
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 200 {
		t.Errorf("the read after: %d %s", r.Status, r.Body)
	}
	if got := f.Requests(nwsfake.KindObservations); got != 2 {
		t.Errorf("%d observation calls, want 2 (the panicked flight's and the next read's)", got)
	}
}

// TestSettleWaitsForABackgroundRefresh: a stale read starts a refresh behind its answer; a
// settle (what Close does) right after the read waits for it, so the runner closes no pool
// under it: the entry is fresh in Valkey once settle returns.
func TestSettleWaitsForABackgroundRefresh(t *testing.T) {
	t.Parallel()
	svc, f, clk := started(t)
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 200 {
		t.Fatalf("warm-up: %d", r.Status)
	}
	clk.advance(5*time.Minute + 20*time.Second)
	ctx := context.Background()
	if rd, err := svc.State.fetch.read(ctx, svc.State.conditions, yosemite); err != nil || !rd.stale {
		t.Fatalf("a read in the revalidate window: %+v, %v; want the stale entry", rd, err)
	}
	if err := svc.State.Close(); err != nil {
		t.Fatal(err)
	}
	e, err := svc.State.fetch.cache.get(ctx, "conditions", yosemite.Key())
	if err != nil || e == nil || !clk.now().Before(e.FreshUntil) {
		t.Fatalf("after Close: no fresh entry (%v), %d observation calls; want the background refresh's", err, f.Requests(nwsfake.KindObservations))
	}
}
