package inapp_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/inapp"
)

const schema = "notifications"

func newStore(t *testing.T) (*inapp.Store, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.NewDB(t)
	if _, err := migrate.Apply(context.Background(), pool, schema, inapp.Migrations); err != nil {
		t.Fatal(err)
	}
	s, err := inapp.New(pool, schema)
	if err != nil {
		t.Fatal(err)
	}
	return s, pool
}

func note(id, to string) provider.Message {
	return provider.Message{ID: id, To: to, Subject: "Check-in complete", Body: "Welcome to base camp.",
		Data: map[string]string{"reservation_id": "r-1"}}
}

func TestSendStoresOnceAndInboxReadsIt(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	m := note("d-1", "guest-1")
	m.Urgent = true
	first, err := s.Send(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Send(ctx, m) // a redelivered job
	if err != nil {
		t.Fatal(err)
	}
	if first.ID == "" || first.ID != again.ID || !first.At.Equal(again.At) || first.Status != "delivered" || first.Provider != "inapp" {
		t.Fatalf("first %+v, again %+v", first, again)
	}
	page, err := s.Inbox(ctx, "guest-1", inapp.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Unread != 1 || page.Next != "" {
		t.Fatalf("page %+v", page)
	}
	it := page.Items[0]
	if it.ID != first.ID || it.Ref != "d-1" || it.Title != "Check-in complete" || it.Body != "Welcome to base camp." ||
		it.Data["reservation_id"] != "r-1" || !it.Urgent || it.ReadAt != nil {
		t.Fatalf("item %+v", it)
	}
	if other, _ := s.Inbox(ctx, "guest-2", inapp.Query{}); len(other.Items) != 0 {
		t.Fatal("another recipient sees the message")
	}
	if s.Name() != "inapp" || s.Channel() != provider.InApp {
		t.Fatal("name or channel wrong")
	}
}

func TestConcurrentRedeliveriesStoreOneRow(t *testing.T) {
	t.Parallel()
	s, pool := newStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	ids := make([]string, 8)
	errs := make([]error, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.Send(ctx, note("d-race", "guest-1"))
			ids[i], errs[i] = res.ID, err
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("send %d: %q %v (first %q)", i, ids[i], errs[i], ids[0])
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM notifications.inapp_messages`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d rows (%v), want 1", n, err)
	}
}

func TestSendTxFollowsTheCallersTransaction(t *testing.T) {
	t.Parallel()
	s, pool := newStore(t)
	ctx := context.Background()

	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendTx(ctx, tx, note("d-rb", "guest-1")); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if page, _ := s.Inbox(ctx, "guest-1", inapp.Query{}); len(page.Items) != 0 {
		t.Fatal("a rolled-back delivery is in the inbox")
	}

	tx, err = pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendTx(ctx, tx, note("d-ok", "guest-1")); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if page, _ := s.Inbox(ctx, "guest-1", inapp.Query{}); len(page.Items) != 1 {
		t.Fatal("a committed delivery is missing")
	}
}

func TestSendFailureClasses(t *testing.T) {
	t.Parallel()
	s, pool := newStore(t)
	ctx := context.Background()
	if _, err := s.Send(ctx, provider.Message{To: "guest-1", Body: "x"}); !provider.IsPermanent(err) {
		t.Fatalf("no id: %v", err)
	}
	if _, err := s.Send(ctx, note("d-1", "guest-1")); err != nil {
		t.Fatal(err)
	}
	// The same delivery id for another recipient is a bug upstream, not a retry.
	if _, err := s.Send(ctx, note("d-1", "guest-2")); !provider.IsPermanent(err) {
		t.Fatalf("reused id: %v", err)
	}
	// Invalid text (a NUL byte) is a data error: permanent.
	bad := note("d-nul", "guest-1")
	bad.Body = "a\x00b"
	if _, err := s.Send(ctx, bad); !provider.IsPermanent(err) {
		t.Fatalf("NUL body: %v", err)
	}
	// A store that is down may come back: retryable.
	pool.Close()
	_, err := s.Send(ctx, note("d-down", "guest-1"))
	if _, ok := provider.RetryAfter(err); !ok {
		t.Fatalf("closed pool: %v, want retryable", err)
	}
	// The caller's cancellation is not a store failure.
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	s2, _ := newStore(t)
	if _, err := s2.Send(canceled, note("d-c", "guest-1")); !errors.Is(err, context.Canceled) || provider.IsPermanent(err) {
		t.Fatalf("canceled: %v", err)
	}
}

func TestInboxPagesAndMarkRead(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	const total = 7
	for i := range total {
		if _, err := s.Send(ctx, note(fmt.Sprintf("d-%d", i), "guest-1")); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	q := inapp.Query{Limit: 3}
	for pages := 0; ; pages++ {
		if pages > total {
			t.Fatal("pagination does not end")
		}
		page, err := s.Inbox(ctx, "guest-1", q)
		if err != nil {
			t.Fatal(err)
		}
		if page.Unread != total {
			t.Fatalf("unread %d", page.Unread)
		}
		for _, it := range page.Items {
			seen = append(seen, it.Ref)
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if len(seen) != total {
		t.Fatalf("saw %v", seen)
	}
	for i, ref := range seen { // newest first
		if want := fmt.Sprintf("d-%d", total-1-i); ref != want {
			t.Fatalf("position %d: %s, want %s (%v)", i, ref, want, seen)
		}
	}

	page, _ := s.Inbox(ctx, "guest-1", inapp.Query{Limit: 1})
	id := page.Items[0].ID
	if ok, err := s.MarkRead(ctx, "guest-2", id); err != nil || ok {
		t.Fatalf("another recipient marked it read: %v %v", ok, err)
	}
	if ok, err := s.MarkRead(ctx, "guest-1", id); err != nil || !ok {
		t.Fatalf("MarkRead: %v %v", ok, err)
	}
	if ok, err := s.MarkRead(ctx, "guest-1", id); err != nil || !ok {
		t.Fatalf("MarkRead again: %v %v", ok, err)
	}
	if ok, err := s.MarkRead(ctx, "guest-1", "not-a-uuid"); err != nil || ok {
		t.Fatalf("MarkRead(garbage): %v %v", ok, err)
	}
	unread, err := s.Inbox(ctx, "guest-1", inapp.Query{UnreadOnly: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if unread.Unread != total-1 || len(unread.Items) != total-1 {
		t.Fatalf("unread page %d items, count %d", len(unread.Items), unread.Unread)
	}
	for _, it := range unread.Items {
		if it.ID == id {
			t.Fatal("read message in the unread page")
		}
	}
	if _, err := s.Inbox(ctx, "guest-1", inapp.Query{After: "garbage"}); !errors.Is(err, inapp.ErrBadCursor) {
		t.Fatalf("bad cursor: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	if _, err := inapp.New(nil, "x"); err == nil {
		t.Error("nil pool accepted")
	}
	pool := pgtest.NewDB(t)
	if _, err := inapp.New(pool, ""); err == nil {
		t.Error("empty schema accepted")
	}
}
