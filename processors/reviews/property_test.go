package reviews

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// profaneBody is flagged by the word list (a test needs one).
const profaneBody = "The guide was crap and the food was worse, what a fuck up."

// TestAggregatesEqualRecomputation is the aggregates property: after random sequences of
// submissions (some flagged), edits, deletions and moderation decisions, the maintained
// rating_aggregates equal a full recomputation from the published reviews, for every trip
// and guide. Each sequence is seeded; a failure names its seed.
func TestAggregatesEqualRecomputation(t *testing.T) {
	t.Parallel()
	rg := newRig(t, servicetest.WithoutConsumer())
	a := rg.svc.State
	ctx := context.Background()
	for seed := uint64(1); seed <= 4; seed++ {
		rnd := rand.New(rand.NewPCG(seed, 7))
		var live []string // review ids
		guest := uuid.NewString()
		for step := range 60 {
			op := rnd.IntN(10)
			switch {
			case op < 4 || len(live) == 0:
				res := uuid.NewString()
				trip := tripID(rnd.IntN(3))
				if err := recordReservation(ctx, a.db, reservationFact{ReservationID: res, GuestID: guest, TripID: trip,
					Status: statusCompleted, Source: sourceEvent, At: time.Now()}); err != nil {
					t.Fatal(err)
				}
				in := submission{ReservationID: res, Rating: 1 + rnd.IntN(5), Body: okBody, Language: "en"}
				if rnd.IntN(4) == 0 {
					in.Body = profaneBody
				}
				if rnd.IntN(2) == 0 {
					g, gr := fmt.Sprint("GDE-", rnd.IntN(2)), 1+rnd.IntN(5)
					in.GuideID, in.GuideRating = &g, &gr
				}
				r, err := a.submit(ctx, guest, in)
				if err != nil {
					t.Fatalf("seed %d step %d: submit: %v", seed, step, err)
				}
				live = append(live, r.ID)
			default:
				i := rnd.IntN(len(live))
				id := live[i]
				cur, err := loadReview(ctx, a.db, id, false)
				if err != nil || cur == nil {
					t.Fatalf("seed %d step %d: load %s: %v", seed, step, id, err)
				}
				var change func(review) (*review, error)
				switch op {
				case 4, 5:
					stars := 1 + rnd.IntN(5)
					e := edit{Rating: &stars}
					if rnd.IntN(3) == 0 {
						body := profaneBody
						if rnd.IntN(2) == 0 {
							body = okBody + " Edited."
						}
						e.Body = &body
					}
					if cur.GuideID != nil {
						gr := 1 + rnd.IntN(5)
						e.GuideRating = &gr
					}
					change = func(r review) (*review, error) { return a.applyEdit(r, e) }
				case 6, 7:
					reason := "checked"
					d := decision{Publish: rnd.IntN(2) == 0, Reason: &reason}
					change = func(r review) (*review, error) { return a.applyDecision(r, d) }
				default:
					change = func(review) (*review, error) { return nil, nil }
					live = append(live[:i], live[i+1:]...)
				}
				if _, err := a.revise(ctx, id, cur.Rev, "", change); err != nil {
					t.Fatalf("seed %d step %d: revise %s: %v", seed, step, id, err)
				}
			}
			if step%10 == 9 {
				if kept, recomputed := rg.aggregates(), rg.recomputed(); !reflect.DeepEqual(kept, recomputed) {
					t.Fatalf("seed %d step %d: kept aggregates\n%v\n!= recomputed\n%v", seed, step, kept, recomputed)
				}
				if n, differ, err := CheckAggregates(ctx, rg.svc.DB); err != nil || len(differ) > 0 {
					t.Fatalf("seed %d step %d: CheckAggregates over %d targets: %v differ (%v), while the maps agree", seed, step, n, differ, err)
				}
			}
		}
	}
	for _, st := range []string{statusPublished, statusPending, statusRejected} {
		if rg.count(`SELECT count(*) FROM reviews.reviews WHERE status = $1`, st) == 0 {
			t.Errorf("the sequences left no %s review: the property was not exercised on that state", st)
		}
	}
}

// TestCheckAggregatesFindsADriftedAggregate: the check the soak runs says which target's
// kept figures left the recomputation, and only that one.
func TestCheckAggregatesFindsADriftedAggregate(t *testing.T) {
	t.Parallel()
	rg := newRig(t, servicetest.WithoutConsumer())
	ctx := context.Background()
	a, guest := rg.svc.State, uuid.NewString()
	for _, trip := range []string{"trip-a", "trip-b"} {
		res := uuid.NewString()
		if err := recordReservation(ctx, a.db, reservationFact{ReservationID: res, GuestID: guest, TripID: trip,
			Status: statusCompleted, Source: sourceEvent, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.submit(ctx, guest, submission{ReservationID: res, Rating: 4, Body: okBody, Language: "en"}); err != nil {
			t.Fatal(err)
		}
	}
	if n, differ, err := CheckAggregates(ctx, rg.svc.DB); err != nil || n != 2 || len(differ) != 0 {
		t.Fatalf("before the drift: %d targets, differ %v, err %v; want 2 targets, none differing", n, differ, err)
	}
	if _, err := rg.svc.DB.Exec(ctx, `UPDATE reviews.rating_aggregates SET review_count = 2, rating_sum = 8, stars_4 = 2 WHERE target_id = 'trip-b'`); err != nil {
		t.Fatal(err)
	}
	if _, differ, err := CheckAggregates(ctx, rg.svc.DB); err != nil || !reflect.DeepEqual(differ, []string{"TRIP:trip-b"}) {
		t.Fatalf("after the drift: differ %v, err %v; want [TRIP:trip-b]", differ, err)
	}
}

// aggregates are the kept rating_aggregates with reviews, as "TYPE:id" → count, sum, stars.
func (rg *rig) aggregates() map[string][7]int64 {
	return rg.ratingRows(keptAggregates)
}

// recomputed are the same figures computed from the published reviews.
func (rg *rig) recomputed() map[string][7]int64 {
	return rg.ratingRows(recomputedAggregates)
}

func (rg *rig) ratingRows(query string) map[string][7]int64 {
	rg.t.Helper()
	rows, err := rg.svc.DB.Query(context.Background(), query)
	if err != nil {
		rg.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][7]int64{}
	for rows.Next() {
		var k string
		var v [7]int64
		if err := rows.Scan(&k, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]); err != nil {
			rg.t.Fatal(err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		rg.t.Fatal(err)
	}
	return out
}
