package simulate

import (
	"fmt"
	"math"
	"time"

	"github.com/novatrek/support/schemas"
)

// schedule: the scheduling orchestrator publishes the guide assignments of a day (tomorrow,
// mostly; revisions when it re-optimizes), then asks svc-notifications to tell the guides
// and logs the optimization run's metrics to svc-analytics.
func (g *Generator) schedule(now time.Time) (Event, error) {
	date := day(now).AddDate(0, 0, g.rng.IntN(3))
	key := date.Format(time.DateOnly)
	g.world.revisions[key]++
	rev := g.world.revisions[key]
	f := g.newFlow()
	n := 2 + g.rng.IntN(5)
	assignments := make([]schemas.GuideAssignment, 0, n)
	used := map[string]bool{}
	for range n {
		t := &trips[g.rng.IntN(len(trips))]
		guide := g.oneOf(guides)
		if used[guide] {
			continue
		}
		used[guide] = true
		start := date.Add(time.Duration(6+g.rng.IntN(4)) * time.Hour)
		g.capacityCheck(t, 2+g.rng.IntN(10), start) // the guided group at its departure
		role := "LEAD"
		if len(assignments) > 0 && g.chance(0.4) {
			role = []string{"ASSISTANT", "TRAINEE"}[g.rng.IntN(2)]
		}
		assignments = append(assignments, schemas.GuideAssignment{
			GuideID: guide, TripID: t.id, LocationID: t.location, Role: role,
			DepartureID: "DEP-" + t.id[len("TRP-"):] + "-" + date.Format("20060102"),
			StartsAt:    start, EndsAt: start.Add(time.Duration(t.days*24-12) * time.Hour),
		})
	}
	ev := &schemas.SchedulePublished{
		ScheduleID: g.id("schedule"), ScheduleDate: date, Revision: rev, Assignments: assignments,
		PublishedBy: "svc-scheduling-orchestrator",
	}
	guideRecipients := make([]schemas.Recipient, len(assignments))
	for i, a := range assignments {
		if a.Role == "LEAD" {
			g.world.leads[a.TripID] = a.GuideID
		}
		g.named("GUIDE", a.GuideID) // svc-notifications notifies them of schedule.published too
		guideRecipients[i] = schemas.Recipient{RecipientType: "GUIDE", RecipientID: ptr(a.GuideID)}
	}
	scheduleID := ev.ScheduleID
	g.then(func(now time.Time) (Event, error) {
		return g.request(now, "svc-scheduling-orchestrator", "GUIDE_ASSIGNMENT", scheduleID, f, "NORMAL",
			map[string]string{"schedule_date": key, "revision": fmt.Sprint(rev)}, guideRecipients...)
	})
	run := fmt.Sprintf("OPT-%s-r%d", date.Format("20060102"), rev)
	dims := map[string]string{"schedule_date": key, "region": "us-west"}
	utilization := math.Round((55+g.rng.Float64()*40)*10) / 10
	unassigned := float64(g.rng.IntN(3))
	solve := math.Round((0.4+g.rng.Float64()*6)*1000) / 1000
	g.then(func(now time.Time) (Event, error) {
		return g.metric(now, f, run, "scheduling.guide_utilization", utilization, "percent", dims)
	})
	g.then(func(now time.Time) (Event, error) {
		return g.metric(now, f, run, "scheduling.unassigned_departures", unassigned, "count", dims)
	})
	g.then(func(now time.Time) (Event, error) {
		return g.metric(now, f, run, "scheduling.solve_time", solve, "seconds", dims)
	})
	return g.emit(now, f, &ev.Metadata, ev)
}
