package location

// Threshold directions and levels of location-capacity.threshold-crossed.
const (
	dirRising  = "RISING"
	dirFalling = "FALLING"

	levelNormal  = "NORMAL"
	levelWarning = "WARNING"
	levelFull    = "FULL"
)

// thresholds are a location's alert lines in percent of its capacity: an alert is raised
// when occupancy reaches alert and cleared only when it falls to clear or below. The gap
// between them is the hysteresis: a count flapping around one line raises one alert, not
// one per check-in and check-out.
type thresholds struct{ alert, clear int }

// crossing is the alert state after occupancy changes to occupancy: whether the location is
// alerting and, when that changed, the direction ("" when it did not). A location without
// capacity never alerts. It compares in integers (occupancy*100 against percent*capacity),
// so 90 % of 10 is exactly 9, never 8.999.
func crossing(alerting bool, occupancy, capacity int, t thresholds) (bool, string) {
	if capacity <= 0 {
		return alerting, ""
	}
	switch load := occupancy * 100; {
	case !alerting && load >= t.alert*capacity:
		return true, dirRising
	case alerting && load <= t.clear*capacity:
		return false, dirFalling
	}
	return alerting, ""
}

// level names occupancy for the alert: FULL at or over capacity, WARNING while alerting
// below it, NORMAL otherwise.
func level(alerting bool, occupancy, capacity int) string {
	switch {
	case occupancy >= capacity:
		return levelFull
	case alerting:
		return levelWarning
	}
	return levelNormal
}
