package weather

import (
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/dev/fakes/nwsfake"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// clock is a test clock that only moves when told.
type clock struct {
	off atomic.Int64
	// settle, when set, waits for the refreshes under way to finish what follows their
	// answer: moving the clock by minutes lets them finish, as that much real time would.
	settle func()
}

func (c *clock) now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) {
	if c.settle != nil {
		c.settle()
	}
	c.off.Add(int64(d))
}
func (c *clock) option() servicetest.Option { return servicetest.WithClock(c.now) }

// settled waits until svc's refreshes under way have cached and recorded what they
// fetched: a read is answered before that (fetcher.keep), and a test reading the cache or
// the store right after it must wait.
func settled(t testing.TB, svc *servicetest.Service[*app]) {
	t.Helper()
	if err := svc.State.fetch.flights.settle(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// yosemite is a known area (migrations/0002) with the hiking thresholds.
var yosemite = Point{37.7456, -119.5936}

// started runs svc-weather with its fake provider (servicetest provides it) and without
// its workers, whose rounds the tests call themselves.
func started(t *testing.T, opts ...servicetest.Option) (*servicetest.Service[*app], *nwsfake.Server, *clock) {
	t.Helper()
	c := &clock{}
	opts = append([]servicetest.Option{servicetest.WithOpenAPICheck(), c.option(), servicetest.WithoutWorkers("alerts", "assess")}, opts...)
	svc := servicetest.Start(t, Spec, opts...)
	c.settle = func() { settled(t, svc) }
	f := svc.Fakes.NWS()
	if f == nil {
		t.Fatal("servicetest started no fake weather provider")
	}
	return svc, f, c
}

// fakeProvider runs a fake provider of the test's own (the conformance suite provides none).
func fakeProvider(t *testing.T) (*nwsfake.Server, string) {
	t.Helper()
	f := nwsfake.New()
	srv := httptest.NewServer(f.Handler())
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// schedule is a schedule.published with one departure per (location, start offset) pair,
// its ids derived from name.
func schedule(name string, revision int, deps ...assignment) *schemas.SchedulePublished {
	id := func(part string) string {
		return uuid.NewSHA1(uuid.NameSpaceURL, []byte("weather/"+part+"/"+name)).String()
	}
	s := &schemas.SchedulePublished{Metadata: schemas.EventMetadata{EventID: id(fmt.Sprint("event-", revision)), EventType: "schedule.published",
		OccurredAt: time.Now().UTC().Truncate(time.Millisecond), Producer: "svc-scheduling-orchestrator", CorrelationID: id("correlation")},
		ScheduleID: id("schedule"), ScheduleDate: time.Now().UTC().Truncate(24 * time.Hour), Revision: revision, PublishedBy: "test"}
	for i, d := range deps {
		s.Assignments = append(s.Assignments, schemas.GuideAssignment{GuideID: fmt.Sprint("GDE-", i), TripID: "TRP-" + name,
			DepartureID: fmt.Sprintf("DEP-%s-%d", name, i), LocationID: d.location, StartsAt: d.start, EndsAt: d.end, Role: "LEAD"})
	}
	return s
}

type assignment struct {
	location   string
	start, end time.Time
}

// tomorrow is a three-hour departure at location starting a day from now.
func tomorrow(location string) assignment {
	start := time.Now().UTC().Add(24 * time.Hour).Truncate(time.Hour)
	return assignment{location, start, start.Add(3 * time.Hour)}
}

func asEvent(s *schemas.SchedulePublished) streamtest.Event {
	return streamtest.Event{Key: s.ScheduleID, EventID: s.Metadata.EventID, Schema: s.Schema(), Value: s}
}
