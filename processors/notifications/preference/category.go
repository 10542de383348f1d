package preference

import "fmt"

// Category classifies a notification for opt-outs and quiet hours.
type Category string

// The categories of svc-notifications. Emergency, Wildlife and Safety are safety-critical.
const (
	// Transactional: booking and check-in confirmations, payment receipts, status updates.
	Transactional Category = "transactional"
	// Operational: staff and guide coordination (assignments, schedules, transport details).
	Operational Category = "operational"
	// Marketing: offers and newsletters; the category recipients most often opt out of.
	Marketing Category = "marketing"
	// Safety: safety alerts, incident notices to affected parties and park rangers.
	Safety Category = "safety"
	// Emergency: emergency alerts to staff, guests and the rescue team.
	Emergency Category = "emergency"
	// Wildlife: wildlife alerts to operations staff and active guides.
	Wildlife Category = "wildlife"
)

// BypassesPreferences reports whether messages of category c are safety-critical and
// therefore ignore quiet hours, category opt-outs and channel opt-outs. This is the one place
// that decides it; change it only with a test in decide_test.go.
func BypassesPreferences(c Category) bool {
	switch c {
	case Emergency, Wildlife, Safety:
		return true
	}
	return false
}

func (c Category) validate() error {
	switch c {
	case Transactional, Operational, Marketing, Safety, Emergency, Wildlife:
		return nil
	}
	return fmt.Errorf("preference: unknown category %q", c)
}
