package simulate

import (
	"slices"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/topology"
)

// TestTopicsComeFromTheTopology: the simulator produces to the topics topics.yaml gives its
// Schemas and another domain's producer, in the file's order; a topology where one such
// topic has no producer of another domain leaves it out, and the generator refuses it,
// naming the schema it can no longer place.
func TestTopicsComeFromTheTopology(t *testing.T) {
	t.Parallel()
	tp := topo(t)
	want := []string{
		"novatrek.booking.reservation.created", "novatrek.booking.reservation.status-changed",
		"novatrek.guest-identity.guest.registered", "novatrek.operations.checkin.completed",
		"novatrek.guest-identity.guest-position.reported", "novatrek.operations.schedule.published", "novatrek.safety.incident.reported",
		"novatrek.safety.emergency.triggered", "novatrek.safety.wildlife-alert.issued",
		"novatrek.support.notification.requested", "novatrek.support.analytics.metric-logged",
	}
	if got := Topics(tp); !slices.Equal(got, want) {
		t.Errorf("Topics = %q\nwant %q", got, want)
	}

	ours := &topology.Topology{Topics: tp.Topics}
	for _, s := range tp.Services {
		s.Ours = s.Ours || s.Name == "svc-check-in" // as if check-in were built here
		ours.Services = append(ours.Services, s)
	}
	got := Topics(ours)
	if slices.Contains(got, "novatrek.operations.checkin.completed") {
		t.Errorf("Topics with svc-check-in ours still has checkin.completed: %q", got)
	}
	if _, err := NewGenerator("x", ours); err == nil || !strings.Contains(err.Error(), "checkin_completed") {
		t.Errorf("NewGenerator = %v; want an error naming checkin_completed", err)
	}
}
