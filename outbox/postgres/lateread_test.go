package pgoutbox_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/outbox"
)

// aheadFetcher is the relay's optional Session method (outbox.aheadFetcher).
type aheadFetcher interface {
	DeleteAndFetchAfter(ctx context.Context, ids []int64, after int64, held []int64, limit int) ([]outbox.Row, error)
}

// TestFetchAheadReadsNothingAfterALateCommit is the late row of the per-key order fix, made
// deterministic: transaction A takes id x and commits after B, which took a higher id y and
// was fetched. A fetch ahead after y would then pass over x while a later row of x's key
// could already sit above y, so it must read nothing (the relay then fetches from the
// oldest row, x first); without a late row it reads on. The late row is below every row the
// relay holds, or, with a row w committed before A began, in the gap between w and y.
func TestFetchAheadReadsNothingAfterALateCommit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		first []string // values committed before the late transaction takes its id
	}{
		{"BelowTheHeldRows", nil},
		{"BetweenTwoHeldRows", []string{"w"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fetchAheadAroundALateCommit(t, tc.first)
		})
	}
}

func fetchAheadAroundALateCommit(t *testing.T, first []string) {
	ctx := context.Background()
	pool, o := newOutbox(t)
	enqueue := func(tx pgx.Tx, value string) {
		t.Helper()
		if err := o.Enqueue(ctx, tx, msg("t", "k", value)); err != nil {
			t.Fatal(err)
		}
	}
	commit := func(value string) {
		t.Helper()
		if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { enqueue(tx, value); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range first {
		commit(v)
	}
	late, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Rollback(ctx)
	enqueue(late, "x") // the lower id, not yet committed
	commit("y")

	sess, ok, err := o.Store(pool).TryLead(ctx)
	if err != nil || !ok {
		t.Fatalf("lead: %v %v", ok, err)
	}
	defer sess.Close(ctx)
	fa, ahead := sess.(aheadFetcher)
	if !ahead {
		t.Fatal("the PostgreSQL session cannot fetch ahead")
	}
	rows, err := sess.Fetch(ctx, 10)
	if err != nil || len(rows) != len(first)+1 || string(rows[len(rows)-1].Value) != "y" {
		t.Fatalf("first fetch = %v, %v; want %v then y", rows, err, first)
	}
	held := make([]int64, len(rows))
	for i, r := range rows {
		held[i] = r.ID
	}
	y := held[len(held)-1]
	commit("z")

	// Nothing late yet: the rows after y are read.
	next, err := fa.DeleteAndFetchAfter(ctx, nil, y, held, 10)
	if err != nil || len(next) != 1 || string(next[0].Value) != "z" {
		t.Fatalf("fetch ahead before the late commit = %v, %v; want z", next, err)
	}
	if err := late.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// x is now visible below y, and the relay does not hold it: read nothing.
	next, err = fa.DeleteAndFetchAfter(ctx, nil, y, held, 10)
	if err != nil || len(next) != 0 {
		t.Fatalf("fetch ahead after the late commit = %v, %v; want no rows", next, err)
	}
	rows, err = sess.Fetch(ctx, 10)
	if err != nil || len(rows) != len(first)+3 || string(rows[len(first)].Value) != "x" {
		t.Fatalf("fetch from the oldest row = %v, %v; want %v, x, y, z", rows, err, first)
	}
}
