package location

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/novatrek/support/schemas"
)

// TestThresholdHysteresis is the hysteresis proof on the pure rule: a count flapping at the
// alert line raises one alert, which clears only at the clear line.
func TestThresholdHysteresis(t *testing.T) {
	t.Parallel()
	th := thresholds{alert: 90, clear: 80}
	// Capacity 100: alert at 90, clear at 80; the count flaps at 89/90 and at 81/80.
	counts := []int{50, 89, 90, 89, 90, 91, 89, 90, 85, 81, 80, 81, 80, 79, 90, 0}
	var got []string
	alerting := false
	for _, n := range counts {
		var dir string
		alerting, dir = crossing(alerting, n, 100, th)
		if dir != "" {
			got = append(got, fmt.Sprintf("%s@%d", dir, n))
		}
	}
	want := []string{"RISING@90", "FALLING@80", "RISING@90", "FALLING@0"}
	if !slices.Equal(got, want) {
		t.Errorf("alerts for %v = %v, want %v", counts, got, want)
	}
	if a, d := crossing(false, 1000, 0, th); a || d != "" {
		t.Errorf("a location without capacity alerted: %v %q", a, d)
	}
}

// TestCheckinsAndAdjustmentsRaiseExactAlerts drives a location of capacity 10 through
// check-ins and check-out adjustments around the lines (90 % = 9, 80 % = 8) and expects
// exactly one RISING per climb and one FALLING per clear, with their figures; a duplicate
// check-in (the same check-in under a new event id) counts once and alerts nothing.
func TestCheckinsAndAdjustmentsRaiseExactAlerts(t *testing.T) {
	t.Parallel()
	svc := start(t)
	put(t, svc, "base-camp", site("Base Camp", 39.74, -104.99, 10))

	step := 0
	in := func(n int) {
		step++
		publishCheckin(svc, checkin(fmt.Sprint("hysteresis-", step), "base-camp", n, nil))
	}
	out := func(n int) {
		step++
		resp := svc.Call(CallerOps, "POST", "/v1/locations/base-camp/occupancy-adjustments",
			map[string]any{"reference": fmt.Sprint("gate-", step), "delta": -n, "reason": "checkout"})
		if resp.Status != http.StatusCreated {
			t.Fatalf("adjustment -%d = %d %s", n, resp.Status, resp.Body)
		}
	}
	in(8)  // 8: below 9
	in(1)  // 9: RISING (WARNING)
	out(1) // 8: FALLING? 8 <= 8 yes: FALLING
	in(1)  // 9: RISING
	in(1)  // 10: still alerting, no alert
	out(1) // 9
	in(2)  // 11
	out(3) // 8: FALLING

	dup := checkin("hysteresis-dup", "base-camp", 4, nil)
	publishCheckin(svc, dup)
	again := *dup
	again.Metadata.EventID = "7d3a3c36-5f1e-4a43-9a2a-3e2d0a9c6f10" // same check-in, new event id
	publishCheckin(svc, &again)
	if n := occupancy(t, svc, "base-camp"); n != 12 {
		t.Errorf("occupancy = %d after a check-in delivered under two event ids, want 12 (8+4 once)", n)
	}

	got := alerts(t, svc, "base-camp", 5)
	want := []string{"RISING 9/10@90 WARNING", "FALLING 8/10@80 NORMAL", "RISING 9/10@90 WARNING", "FALLING 8/10@80 NORMAL", "RISING 12/10@90 FULL"}
	if !slices.Equal(got, want) {
		t.Errorf("alerts = %q\nwant     %q", got, want)
	}
}

// TestCheckinRecordsThePositionAndItsBadPositionIsDeadLettered: a check-in's device position
// becomes the guest's last known position; a check-in whose position is not on Earth is
// dead-lettered with the reason, its count and alert rolled back with it.
func TestCheckinRecordsThePositionAndItsBadPositionIsDeadLettered(t *testing.T) {
	t.Parallel()
	svc := start(t)
	put(t, svc, "put-in", site("Put-in Beach", 38.5, -106.0, 2))

	good := checkin("position-good", "put-in", 1, &schemas.GeoPoint{Latitude: 38.5001, Longitude: -106.0002})
	publishCheckin(svc, good)
	resp := svc.Call(CallerEmergency, "GET", "/v1/guests/"+good.GuestID+"/position", nil)
	var pos GuestPosition
	resp.JSON(t, &pos)
	if resp.Status != http.StatusOK || pos.Latitude != 38.5001 || pos.Source != "checkin" || pos.NearestPlace == nil || pos.NearestPlace.ID != "put-in" {
		t.Errorf("position = %d %s", resp.Status, resp.Body)
	}

	bad := checkin("position-bad", "put-in", 1, &schemas.GeoPoint{Latitude: 95, Longitude: -106})
	svc.Publish(TopicCheckinCompleted, bad.ReservationID, bad)
	awaitDeadLetter(t, svc, "permanent", "latitude must be a number from -90 to 90")
	if n := occupancy(t, svc, "put-in"); n != 1 {
		t.Errorf("occupancy = %d after a dead-lettered check-in, want 1", n)
	}
}

// TestCapacityChangeReevaluatesTheAlert: a busy site whose capacity is raised clears its
// alert at once, and lowered again raises it, each change recorded as a reconfiguration; a
// rename (same limits) records nothing.
func TestCapacityChangeReevaluatesTheAlert(t *testing.T) {
	t.Parallel()
	svc := start(t)
	put(t, svc, "hut", site("Hut", 39.3, -106.2, 10))
	publishCheckin(svc, checkin("reconfigure", "hut", 9, nil)) // 9/10: RISING
	if l := put(t, svc, "hut", site("Hut", 39.3, -106.2, 20)); l.Alerting || l.Occupancy != 9 {
		t.Errorf("after raising capacity to 20: alerting %v, occupancy %d", l.Alerting, l.Occupancy)
	}
	put(t, svc, "hut", site("Hut Renamed", 39.3, -106.2, 20))
	if l := put(t, svc, "hut", site("Hut", 39.3, -106.2, 10)); !l.Alerting {
		t.Error("after lowering capacity back to 10 the hut is not alerting")
	}
	got := alerts(t, svc, "hut", 3)
	want := []string{"RISING 9/10@90 WARNING", "FALLING 9/20@80 NORMAL", "RISING 9/10@90 WARNING"}
	if !slices.Equal(got, want) {
		t.Errorf("alerts = %q, want %q", got, want)
	}
	var n int
	if err := svc.DB.QueryRow(t.Context(), `SELECT count(*) FROM locations.capacity_records WHERE location_id = 'hut' AND source = 'reconfiguration'`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d reconfiguration records (%v), want 2", n, err)
	}
}
