package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/reviews"
)

// TestSoakReviewChecksReportACorruptedGuideAggregate: the soak's two svc-reviews checks
// count the trip and the guide aggregates they compared and hold over a store whose
// aggregates match its published reviews; once a guide's aggregate drifts from its reviews,
// the guide check names that guide and the trip check still holds.
func TestSoakReviewChecksReportACorruptedGuideAggregate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	if err := runner.Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil)), reviews.Spec); err != nil {
		t.Fatal(err)
	}
	// Two published reviews of one trip, both rating guide GDE-0101 (5 and 3 stars), and
	// the aggregates svc-reviews keeps for them.
	pgtest.Exec(t, db, `INSERT INTO reviews.reviews (review_id, reservation_id, guest_id, trip_id, guide_id, rating, guide_rating,
	body, language, trip_date, status, created_at, updated_at, published_at)
VALUES (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'TRP-A', 'GDE-0101', 4, 5, 'Great.', 'en', '2026-12-01', 'published', now(), now(), now()),
       (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'TRP-A', 'GDE-0101', 4, 3, 'Fine.', 'en', '2026-12-01', 'published', now(), now(), now())`)
	pgtest.Exec(t, db, `INSERT INTO reviews.rating_aggregates VALUES
	('TRIP', 'TRP-A', 2, 8, 0, 0, 0, 2, 0, now()),
	('GUIDE', 'GDE-0101', 2, 8, 0, 0, 1, 0, 1, now())`)
	checks := map[string]func() (int64, string){}
	for _, c := range soakChecks() {
		if c.Service == reviews.ServiceName {
			checks[c.Name] = func() (int64, string) {
				n, problem, err := c.Run(ctx, db)
				if err != nil {
					t.Fatalf("%s: %v", c.Name, err)
				}
				return n, problem
			}
		}
	}
	trips, guides := checks["trip aggregates == recomputation"], checks["guide aggregates == recomputation"]
	if trips == nil || guides == nil {
		t.Fatalf("the soak's svc-reviews checks are %v: want one for trips and one for guides", checks)
	}
	if n, problem := guides(); n != 1 || problem != "" {
		t.Fatalf("guide check over matching aggregates: %d compared, problem %q; want 1, none", n, problem)
	}
	// The guide's 3-star review counted as a 4-star one: count and stars still add up, the
	// figures no longer match the reviews.
	pgtest.Exec(t, db, `UPDATE reviews.rating_aggregates SET rating_sum = 9, stars_3 = 0, stars_4 = 1 WHERE target_type = 'GUIDE'`)
	if n, problem := guides(); n != 1 || !strings.Contains(problem, "GUIDE:GDE-0101") {
		t.Errorf("guide check over a drifted aggregate: %d compared, problem %q; want GUIDE:GDE-0101 named", n, problem)
	}
	if n, problem := trips(); n != 1 || problem != "" {
		t.Errorf("trip check: %d compared, problem %q; want 1, none (only the guide drifted)", n, problem)
	}
}
