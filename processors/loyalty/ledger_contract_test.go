package loyalty

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

// ledgerSubject is one store behind the Ledger port, for the contract every adapter passes.
type ledgerSubject[Tx any] struct {
	Ledger Ledger[Tx]
	// InTx runs fn in one transaction of the engine, committed when fn returns nil.
	InTx func(ctx context.Context, fn func(Tx) error) error
}

// TestPostgresLedgerContract runs the Ledger contract on the PostgreSQL adapter, each case
// on its own migrated database.
func TestPostgresLedgerContract(t *testing.T) {
	runLedgerContract(t, func(t *testing.T) ledgerSubject[store.DB] {
		pool := pgtest.NewDB(t)
		ctx := context.Background()
		if err := runner.Migrate(ctx, pool, slog.New(slog.DiscardHandler), Spec); err != nil {
			t.Fatal(err)
		}
		if err := seed(ctx, pool); err != nil {
			t.Fatal(err)
		}
		return ledgerSubject[store.DB]{Ledger: pgLedger{}, InTx: func(ctx context.Context, fn func(store.DB) error) error {
			return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return fn(tx) })
		}}
	})
}

// runLedgerContract is the contract of the Ledger port: what the service relies on from any
// store. A Couchbase adapter runs the same cases.
func runLedgerContract[Tx any](t *testing.T, open func(t *testing.T) ledgerSubject[Tx]) {
	ctx := context.Background()
	day0 := day(time.Now())
	enrol := func(t *testing.T, s ledgerSubject[Tx]) string {
		t.Helper()
		guest := uuid.NewString()
		if err := s.InTx(ctx, func(tx Tx) error {
			_, err := s.Ledger.Enrol(ctx, tx, Member{GuestID: guest, Tier: "EXPLORER", EnrolledAt: day0, EnrolledBy: "registration", Profile: []byte(`{}`)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return guest
	}
	// post books e for guest in its own transaction.
	post := func(s ledgerSubject[Tx], guest string, e Entry, d Draw) error {
		return s.InTx(ctx, func(tx Tx) error {
			m, err := s.Ledger.Lock(ctx, tx, guest)
			if err != nil {
				return err
			}
			_, err = s.Ledger.Post(ctx, tx, m, e, d)
			return err
		})
	}
	credit := func(points int64, expires time.Time) Entry {
		id := uuid.New()
		return Entry{ID: id, Kind: KindEarn, Points: points, Source: id.String(), OccurredAt: day0, RecordedAt: day0, ExpiresOn: &expires}
	}
	debit := func(points int64) Entry {
		id := uuid.New()
		return Entry{ID: id, Kind: KindRedeem, Points: -points, Source: id.String(), OccurredAt: day0, RecordedAt: day0}
	}
	// state reads the member's balance, the sum of the ledger (checking each balance_after
	// is the running sum) and what the lots hold, through the port.
	state := func(t *testing.T, s ledgerSubject[Tx], guest string) (balance, sum, lots int64) {
		t.Helper()
		err := s.InTx(ctx, func(tx Tx) error {
			m, err := s.Ledger.Member(ctx, tx, guest)
			if err != nil {
				return err
			}
			balance = m.Balance
			var all []Entry
			for before := int64(0); ; {
				page, err := s.Ledger.Transactions(ctx, tx, guest, before, 100)
				if err != nil {
					return err
				}
				all = append(all, page...)
				if len(page) < 100 {
					break
				}
				before = page[len(page)-1].Seq
			}
			for i := len(all) - 1; i >= 0; i-- {
				sum += all[i].Points
				if all[i].BalanceAfter != sum {
					t.Errorf("entry %d: balance_after %d, running sum %d", all[i].Seq, all[i].BalanceAfter, sum)
				}
			}
			open, err := s.Ledger.ExpiredLots(ctx, tx, guest, day0.AddDate(100, 0, 0))
			for _, l := range open {
				lots += l.Remaining
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return balance, sum, lots
	}

	t.Run("BalanceIsTheSumOfTheLedger", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		guest := enrol(t, s)
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		rng := rand.New(rand.NewPCG(seed, seed))
		var earned, debits []Entry
		for range 200 {
			switch rng.IntN(5) {
			case 0, 1:
				e := credit(int64(1+rng.IntN(500)), day0.AddDate(0, 0, 1+rng.IntN(60)))
				if err := post(s, guest, e, Draw{}); err != nil {
					t.Fatal(err)
				}
				earned = append(earned, e)
			case 2:
				e := debit(int64(1 + rng.IntN(400)))
				switch err := post(s, guest, e, Draw{}); {
				case err == nil:
					debits = append(debits, e)
				case !errors.Is(err, ErrInsufficient):
					t.Fatal(err)
				}
			case 3: // reverse an earning, spent or not
				if len(earned) == 0 {
					continue
				}
				i := rng.IntN(len(earned))
				e := earned[i]
				earned = append(earned[:i], earned[i+1:]...)
				id := uuid.New()
				if err := post(s, guest, Entry{ID: id, Kind: KindReverse, Points: -e.Points, Source: id.String(), Reverses: &e.ID,
					OccurredAt: day0, RecordedAt: day0}, Draw{First: &e.ID, Overdraw: true}); err != nil {
					t.Fatal(err)
				}
			case 4: // put a debit back
				if len(debits) == 0 {
					continue
				}
				i := rng.IntN(len(debits))
				e := debits[i]
				debits = append(debits[:i], debits[i+1:]...)
				id := uuid.New()
				if err := post(s, guest, Entry{ID: id, Kind: KindReverse, Points: -e.Points, Source: id.String(), Reverses: &e.ID,
					OccurredAt: day0, RecordedAt: day0}, Draw{}); err != nil {
					t.Fatal(err)
				}
			}
			if balance, sum, lots := state(t, s, guest); balance != sum || lots != max(balance, 0) {
				t.Fatalf("balance %d, sum of the ledger %d, lots %d", balance, sum, lots)
			}
		}
	})

	t.Run("TheSameCauseBooksOnce", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		guest := enrol(t, s)
		e := credit(100, day0.AddDate(1, 0, 0))
		if err := post(s, guest, e, Draw{}); err != nil {
			t.Fatal(err)
		}
		again := e
		again.ID = uuid.New()
		if err := post(s, guest, again, Draw{}); !errors.Is(err, ErrDuplicate) {
			t.Errorf("the same kind and source again: %v, want ErrDuplicate", err)
		}
		if balance, _, _ := state(t, s, guest); balance != 100 {
			t.Errorf("balance %d, want 100", balance)
		}
	})

	t.Run("DebitsTakeTheLotsThatExpireFirst", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		guest := enrol(t, s)
		for _, days := range []int{30, 10, 20} {
			if err := post(s, guest, credit(100, day0.AddDate(0, 0, days)), Draw{}); err != nil {
				t.Fatal(err)
			}
		}
		if err := post(s, guest, debit(150), Draw{}); err != nil {
			t.Fatal(err)
		}
		var left []int64
		if err := s.InTx(ctx, func(tx Tx) error {
			lots, err := s.Ledger.ExpiredLots(ctx, tx, guest, day0.AddDate(0, 0, 30))
			for _, l := range lots {
				left = append(left, l.Remaining)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(left) != 2 || left[0] != 50 || left[1] != 100 {
			t.Errorf("lots left %v, want [50 100]: the lot of day 10 emptied, then half of day 20's", left)
		}
		if err := post(s, guest, debit(151), Draw{}); !errors.Is(err, ErrInsufficient) {
			t.Errorf("a debit beyond the lots: %v, want ErrInsufficient", err)
		}
	})

	t.Run("ConcurrentDebitsNeverOverdraw", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		guest := enrol(t, s)
		if err := post(s, guest, credit(1000, day0.AddDate(1, 0, 0)), Draw{}); err != nil {
			t.Fatal(err)
		}
		var booked atomic.Int32
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				err := s.InTx(ctx, func(tx Tx) error {
					m, err := s.Ledger.Lock(ctx, tx, guest)
					if err != nil || m.Balance < 100 {
						return err
					}
					if _, err := s.Ledger.Post(ctx, tx, m, debit(100), Draw{}); err != nil {
						return err
					}
					booked.Add(1)
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if balance, sum, _ := state(t, s, guest); booked.Load() != 10 || balance != 0 || sum != 0 {
			t.Errorf("%d debits booked, balance %d, sum %d; want 10, 0, 0", booked.Load(), balance, sum)
		}
	})

	t.Run("QualifyingCountsUnreversedEarningsInTheWindow", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		guest := enrol(t, s)
		old := credit(1000, day0.AddDate(2, 0, 0))
		old.OccurredAt = day0.AddDate(-2, 0, 0)
		kept, reversed := credit(300, day0.AddDate(2, 0, 0)), credit(200, day0.AddDate(2, 0, 0))
		for _, e := range []Entry{old, kept, reversed} {
			if err := post(s, guest, e, Draw{}); err != nil {
				t.Fatal(err)
			}
		}
		id := uuid.New()
		if err := post(s, guest, Entry{ID: id, Kind: KindReverse, Points: -200, Source: id.String(), Reverses: &reversed.ID,
			OccurredAt: day0, RecordedAt: day0}, Draw{First: &reversed.ID, Overdraw: true}); err != nil {
			t.Fatal(err)
		}
		var q int64
		if err := s.InTx(ctx, func(tx Tx) error {
			m, err := s.Ledger.Lock(ctx, tx, guest)
			if err != nil {
				return err
			}
			if q, err = s.Ledger.Requalify(ctx, tx, m, day0.AddDate(-1, 0, 0), day0); err != nil {
				return err
			}
			if again, err := s.Ledger.Member(ctx, tx, guest); err != nil || again.QualifyingPoints != q || m.QualifyingPoints != q {
				return fmt.Errorf("stored qualifying points %v (%v), member %d, want %d", again, err, m.QualifyingPoints, q)
			}
			return nil
		}); err != nil || q != 300 {
			t.Errorf("qualifying %d (%v), want 300: the old earning is outside the window, the reversed one does not count", q, err)
		}
	})
}
