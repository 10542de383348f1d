package loyalty

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// perEventSpec is the service with a store that hides EarningBatcher: the consumer books
// every earning with Post, one by one, as for a store without the batch path.
func perEventSpec() *service.Spec[*app] {
	spec := *Spec
	spec.New = func(ctx context.Context, env service.Env) (*app, error) {
		a, err := newApp(ctx, env)
		if err != nil {
			return nil, err
		}
		a.ledger = struct{ Ledger[store.DB] }{a.ledger}
		return a, nil
	}
	return &spec
}

// TestBatchBooksWhatPerEventBooks: one batch of status changes (a member promoted and
// earning at the new tier, the same event twice, the same completion under another event
// id, a cancellation after completion between earnings, an earning paying off the debt it
// left, a second member, a guest not enrolled yet) applied by the set-based path and by
// the per-event path gives the same ledger entry for entry (balance after, source,
// reversal), the same lots, the same members (balance, tier, qualifying points) and the
// same events in the same order.
func TestBatchBooksWhatPerEventBooks(t *testing.T) {
	t.Parallel()
	batched := start(t, servicetest.WithoutRelay(), servicetest.WithoutWorkers("expiry", "tier recalculation"))
	perEvent := startSpec(t, perEventSpec(), servicetest.WithoutRelay(), servicetest.WithoutWorkers("expiry", "tier recalculation"))
	a, b, late := uuid.NewString(), uuid.NewString(), uuid.NewString()
	now := time.Now().UTC()
	r1, r2, r3, r4, r5, r6 := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	var evs []schemas.Event
	complete := func(res, guest, amount string) *schemas.ReservationStatusChanged {
		evs = append(evs, booking(res, guest, amount, "USD", now))
		ev := statusChange(res, guest, "COMPLETED", now)
		evs = append(evs, ev)
		return ev
	}
	c1 := complete(r1, a, "1200.00") // a reaches TRAILBLAZER
	c2 := complete(r2, a, "400.00")  // earns at TRAILBLAZER's multiplier
	again := statusChange(r1, a, "COMPLETED", now)
	cancel := statusChange(r1, a, "CANCELLED", now.Add(time.Minute)) // takes 1,200 back: a falls back
	c4 := complete(r4, b, "300.00")
	c5 := complete(r5, late, "90.00") // enrolled from the profile
	c3 := complete(r3, a, "250.00")
	c6 := complete(r6, a, "5000.00") // a reaches SUMMIT
	order := []*schemas.ReservationStatusChanged{c1, c2, c1, again, cancel, c4, c5, c3, c6}

	for _, w := range []*world{batched, perEvent} {
		w.register(a)
		w.register(b)
		w.upstream.Apply(registration(late, now))
		for _, ev := range evs {
			w.upstream.Apply(ev)
		}
		if err := w.Stop(); err != nil {
			t.Fatal(err)
		}
		// One key, one partition: the whole sequence is one batch, in this order.
		recs := make([]*kgo.Record, len(order))
		for i, ev := range order {
			v, err := w.Kafka.Serde.Encode(context.Background(), TopicReservationStatus, ev.Schema(), ev)
			if err != nil {
				t.Fatal(err)
			}
			recs[i] = &kgo.Record{Topic: TopicReservationStatus, Key: []byte(a), Value: v}
		}
		if err := w.Kafka.Client(t).ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
		w.Restart()
		w.AwaitApplied(c6.Metadata.EventID)
		checkLedger(t, w.DB)
	}
	var kinds string
	if err := batched.DB.QueryRow(context.Background(), `SELECT string_agg(kind || ' ' || points, ', ' ORDER BY seq)
		FROM loyalty.point_transactions WHERE reservation_id = $1`, r1).Scan(&kinds); err != nil || kinds != "earn 1200, reverse -1200" {
		t.Errorf("entries of the cancelled reservation %q (%v), want one earning and its reversal", kinds, err)
	}
	var txs int
	if err := batched.DB.QueryRow(context.Background(), `SELECT count(DISTINCT xmin::text) FROM loyalty.point_transactions
		WHERE source_event_id IS NOT NULL`).Scan(&txs); err != nil {
		t.Fatal(err)
	}
	t.Logf("the batched service booked the sequence in %d transaction(s)", txs)

	for _, q := range []string{
		`SELECT id::text, guest_id::text, kind, points, balance_after, source, coalesce(reverses::text, ''), detail::text,
			occurred_at FROM loyalty.point_transactions ORDER BY seq`,
		`SELECT entry_id::text, guest_id::text, expires_on::text, remaining FROM loyalty.lots ORDER BY entry_id`,
		`SELECT guest_id::text, balance, qualifying_points, tier, enrolled_by FROM loyalty.members ORDER BY guest_id`,
		`SELECT topic, encode(key, 'escape') FROM loyalty.outbox ORDER BY id`,
	} {
		want, got := rowsOf(t, perEvent.DB, q), rowsOf(t, batched.DB, q)
		if !slices.Equal(got, want) {
			t.Errorf("%s\nbatched:\n%v\nper event:\n%v", q, got, want)
		}
	}
	var tier string
	var balance int64
	if err := batched.DB.QueryRow(context.Background(), `SELECT tier, balance FROM loyalty.members WHERE guest_id = $1`, a).
		Scan(&tier, &balance); err != nil || tier != "SUMMIT" {
		t.Errorf("member a: tier %q balance %d (%v), want SUMMIT after the last earning", tier, balance, err)
	}
}

// rowsOf is every row of query as text.
func rowsOf(t *testing.T, db store.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no rows: %s", query)
	}
	return out
}
