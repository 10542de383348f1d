package analytics

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// mapEvent is the facts of any sampled event, through the subscription's own mapping.
func mapEvent(t testing.TB, ev schemas.Event) []fact {
	t.Helper()
	var fs []fact
	var err error
	switch e := ev.(type) {
	case *schemas.ReservationCreated:
		fs, err = reservationCreatedFacts(e)
	case *schemas.ReservationStatusChanged:
		fs, err = reservationStatusFacts(e)
	case *schemas.GuestRegistered:
		fs, err = guestRegisteredFacts(e)
	case *schemas.CheckinCompleted:
		fs, err = checkinFacts(e)
	case *schemas.SchedulePublished:
		fs, err = scheduleFacts(e)
	case *schemas.PaymentProcessed:
		fs, err = paymentProcessedFacts(e)
	case *schemas.IncidentReported:
		fs, err = incidentFacts(e)
	case *schemas.EmergencyTriggered:
		fs, err = emergencyFacts(e)
	case *schemas.WildlifeAlertIssued:
		fs, err = wildlifeFacts(e)
	case *schemas.AnalyticsMetricLogged:
		fs, err = metricLoggedFacts(e)
	case *schemas.PaymentRefunded:
		fs, err = paymentRefundedFacts(e)
	case *schemas.PaymentDisputeOpened:
		fs, err = disputeOpenedFacts(e)
	case *schemas.PaymentDisputeUpdated:
		fs, err = disputeUpdatedFacts(e)
	case *schemas.LoyaltyPointsEarned:
		fs, err = pointsEarnedFacts(e)
	case *schemas.LoyaltyTierChanged:
		fs, err = tierChangedFacts(e)
	case *schemas.LoyaltyRewardRedeemed:
		fs, err = rewardRedeemedFacts(e)
	case *schemas.ReviewPublished:
		fs, err = reviewFacts(e)
	case *schemas.RatingAggregateUpdated:
		fs, err = ratingAggregateFacts(e)
	case *schemas.WeatherAlertIssued:
		fs, err = weatherAlertFacts(e)
	case *schemas.LocationCapacityThresholdCrossed:
		fs, err = capacityFacts(e)
	case *schemas.PurchaseOrderStatusChanged:
		fs, err = purchaseOrderFacts(e)
	case *schemas.ReorderAlertRaised:
		fs, err = reorderAlertFacts(e)
	case *schemas.MediaAssetUploaded:
		fs, err = mediaUploadedFacts(e)
	case *schemas.NotificationDeliveryStatusChanged:
		fs, err = deliveryStatusFacts(e)
	case *schemas.WeatherAlertUpdated:
		fs, err = weatherAlertUpdatedFacts(e)
	case *schemas.WeatherAlertCancelled:
		fs, err = weatherAlertCancelledFacts(e)
	case *schemas.TripWeatherRiskChanged:
		fs, err = tripWeatherRiskFacts(e)
	case *schemas.GuestPositionReported:
		fs, err = guestPositionFacts(e)
	default:
		t.Fatalf("no mapping for %T", ev)
	}
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// allRollups is every rollup row as text, in key order.
func allRollups(t *testing.T, db interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT concat_ws('|', fact, dim, dim_value, grain, metric, bucket, currency, n, total)
		FROM analytics.rollups ORDER BY fact, dim, dim_value, grain, metric, bucket, currency`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// randomBatches are 200 draws with replacement from a pool of 120 events spread over the
// 14 months before now (ids from base), in batches of 1..40: shuffled, so events of
// earlier months arrive late, with duplicates inside and across batches.
func randomBatches(t *testing.T, r *rand.Rand, now time.Time, base int) [][]row {
	t.Helper()
	type evt struct {
		id string
		fs []fact
	}
	pool := make([]evt, 120)
	for i := range pool {
		at := now.Add(-time.Duration(r.Int64N(int64(14 * 30 * 24 * time.Hour))))
		_, _, ev := sample(r.IntN(kinds), base+i, at)
		pool[i] = evt{ev.EventMeta().EventID, mapEvent(t, ev)}
	}
	var batches [][]row
	for drawn := 0; drawn < 200; {
		var batch []row
		for range 1 + r.IntN(40) {
			e := pool[r.IntN(len(pool))]
			drawn++
			batch = append(batch, rowsOf(e.id, e.fs)...)
		}
		batches = append(batches, batch)
	}
	return batches
}

// refreshedRollups are the rollups after a full refresh (allRollups' rows), which it
// leaves in place.
func refreshedRollups(t *testing.T, svc *servicetest.Service[*app]) []string {
	t.Helper()
	ctx := context.Background()
	var full []string
	if err := pgx.BeginFunc(ctx, svc.DB, func(tx pgx.Tx) error {
		if err := refreshRollups(ctx, tx); err != nil {
			return err
		}
		full = allRollups(t, tx)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return full
}

// TestIncrementalRollupsEqualFullRecomputation is the property of the live dashboards:
// after any sequence of batches drawn from a pool of events (shuffled, so events of
// earlier months arrive late; with duplicates inside and across batches; the same event
// sometimes split over batches), the rollups kept incrementally are exactly what a full
// recomputation from the facts gives, and the monthly totals equal an independent count
// of the distinct events' facts.
func TestIncrementalRollupsEqualFullRecomputation(t *testing.T) {
	t.Parallel()
	svc := servicetest.Start(t, Spec, servicetest.WithoutConsumer(), servicetest.WithoutWorkers("partition maintenance"))
	ctx := context.Background()
	now := time.Now().UTC()
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 13))
		if err := pgx.BeginFunc(ctx, svc.DB, func(tx pgx.Tx) error { return emptyTables(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		want := map[string][2]*big.Rat{} // table|metric|month|currency -> count, total of distinct events
		seen := map[[2]any]bool{}
		for _, batch := range randomBatches(t, r, now, int(seed)*1000) {
			for _, f := range batch {
				if id := [2]any{f.eventID, f.seq}; !seen[id] {
					seen[id] = true
					k := fmt.Sprintf("%s|%s|%s|%s", f.table, f.metric, monthStart(f.at).Format(time.DateOnly), f.currency)
					if want[k][0] == nil {
						want[k] = [2]*big.Rat{new(big.Rat), new(big.Rat)}
					}
					v, _ := new(big.Rat).SetString(f.value)
					want[k][0].Add(want[k][0], big.NewRat(1, 1))
					want[k][1].Add(want[k][1], v)
				}
			}
			writeRows(t, svc, batch)
		}

		incremental := allRollups(t, svc.DB)
		full := refreshedRollups(t, svc)
		if !slices.Equal(incremental, full) {
			t.Fatalf("seed %d: incremental rollups (%d rows) differ from the full recomputation (%d rows)", seed, len(incremental), len(full))
		}

		rows, err := svc.DB.Query(ctx, `SELECT fact, metric, bucket::text, currency, n, total::text FROM analytics.rollups
			WHERE dim = 'all' AND grain = 'month'`)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][2]string{}
		for rows.Next() {
			var tbl, metric, bucket, cur, total string
			var n int64
			if err := rows.Scan(&tbl, &metric, &bucket, &cur, &n, &total); err != nil {
				t.Fatal(err)
			}
			got[fmt.Sprintf("%s|%s|%s|%s", tbl, metric, bucket, cur)] = [2]string{fmt.Sprint(n), total}
		}
		if len(got) != len(want) {
			t.Fatalf("seed %d: %d monthly rollups, the distinct events give %d", seed, len(got), len(want))
		}
		for k, w := range want {
			tot, _ := new(big.Rat).SetString(got[k][1])
			if got[k][0] != w[0].RatString() || tot == nil || tot.Cmp(w[1]) != 0 {
				t.Errorf("seed %d: %s = n %s total %s; the distinct events give n %s total %s", seed, k, got[k][0], got[k][1], w[0].RatString(), w[1].FloatString(2))
			}
		}
	}
}
