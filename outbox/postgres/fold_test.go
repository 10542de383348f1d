package pgoutbox_test

import (
	"context"
	"slices"
	"testing"

	"github.com/novatrek/support/outbox"
)

// deleteFetcher is the session method the relay folds a short batch's delete into.
type deleteFetcher interface {
	DeleteAndFetch(ctx context.Context, ids []int64, limit int) ([]outbox.Row, error)
}

// TestDeleteAndFetchDeletesTheGivenRowsAndReadsTheOthers: one statement deletes the given
// (published) rows and returns the oldest of the others in id order, not the deleted ones
// (which its snapshot still sees), up to the limit; an id no longer in the table changes
// nothing.
func TestDeleteAndFetchDeletesTheGivenRowsAndReadsTheOthers(t *testing.T) {
	t.Parallel()
	pool, o := newOutbox(t)
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []outbox.Message
	for _, v := range []string{"a", "b", "c", "d", "e"} {
		msgs = append(msgs, msg("novatrek.test.fold", v, v))
	}
	if err := o.Enqueue(ctx, tx, msgs...); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	s, ok, err := o.Store(pool).TryLead(ctx)
	if err != nil || !ok {
		t.Fatalf("lead: ok=%v err=%v", ok, err)
	}
	t.Cleanup(func() { s.Close(context.Background()) }) //nolint:errcheck // the test is over
	all, err := s.Fetch(ctx, 10)
	if err != nil || len(all) != 5 {
		t.Fatalf("fetch: %d rows, err %v; want 5", len(all), err)
	}
	df, ok := s.(deleteFetcher)
	if !ok {
		t.Fatal("the PostgreSQL session has no DeleteAndFetch: the relay would delete in a round trip of its own")
	}
	gone := []int64{all[0].ID, all[2].ID, all[4].ID + 1000}
	rows, err := df.DeleteAndFetch(ctx, gone, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].ID != all[1].ID || string(rows[0].Value) != "b" {
		t.Errorf("fetched %v, want only row %d (b): the oldest row not deleted, within the limit", values(rows), all[1].ID)
	}
	if n := rowCount(t, pool); n != 3 {
		t.Errorf("%d rows left, want 3", n)
	}
	rows, err = df.DeleteAndFetch(ctx, []int64{all[1].ID}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := values(rows), []string{"d", "e"}; !slices.Equal(got, want) {
		t.Errorf("fetched %v, want %v", got, want)
	}
}

func values(rows []outbox.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = string(r.Value)
	}
	return out
}
