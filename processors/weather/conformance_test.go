package weather

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
)

// TestConformance runs the stream contract suite every service passes. A valid schedule
// records a departure and emits its first recommendation; the failing one emits for its
// first departure, then refuses the second (it ends before it starts), so the rollback
// takes the emitted event with it.
func TestConformance(t *testing.T) {
	_, url := fakeProvider(t)
	servicetest.Conformance(t, Spec, servicetest.Fixture{
		Input: TopicSchedulePublished,
		Valid: func(i int) streamtest.Event {
			return asEvent(schedule(fmt.Sprint("valid-", i), 1, tomorrow("LOC-YOSEMITE-VALLEY")))
		},
		Failing: func(i int) streamtest.Event {
			bad := tomorrow("LOC-MOAB")
			bad.end = bad.start.Add(-time.Hour)
			return asEvent(schedule(fmt.Sprint("failing-", i), 1, tomorrow("LOC-YOSEMITE-VALLEY"), bad))
		},
		Effects: func(ctx context.Context, db store.DB, eventID string) (int, error) {
			var n int
			err := db.QueryRow(ctx, `SELECT count(*) FROM weather.assessment_log WHERE cause = $1`, eventID).Scan(&n)
			return n, err
		},
		Options: []servicetest.Option{servicetest.WithEnv("WEATHER_PROVIDER_URL", url)},
	})
}
