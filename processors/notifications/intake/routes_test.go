package intake

import (
	"slices"
	"testing"

	"github.com/hamba/avro/v2"

	"github.com/novatrek/support/schemas"
)

// TestRoutesCoverSchemas fails when a consumed event type or a NotificationKind symbol has
// no route, or a route no default template: adding a kind to the schema without routing it
// is caught here.
func TestRoutesCoverSchemas(t *testing.T) {
	consumed := []string{"reservation.status_changed", "checkin.completed", "schedule.published",
		"payment.processed", "incident.reported", "emergency.triggered", "wildlife_alert.issued",
		"payment.refunded", "loyalty_tier.changed", "loyalty_reward.redeemed", "weather_alert.issued",
		"weather_alert.updated", "weather_alert.cancelled", "trip_weather_risk.changed"}
	for _, et := range consumed {
		if _, ok := EventRoutes[et]; !ok {
			t.Errorf("event type %s has no route", et)
		}
	}
	if len(EventRoutes) != len(consumed) {
		t.Errorf("%d event routes, want the %d consumed event types", len(EventRoutes), len(consumed))
	}
	rec := (&schemas.NotificationRequested{}).Schema().(*avro.RecordSchema)
	var kinds []string
	for _, f := range rec.Fields() {
		if f.Name() == "kind" {
			kinds = f.Type().(*avro.EnumSchema).Symbols()
		}
	}
	if len(kinds) == 0 {
		t.Fatal("NotificationRequested has no kind enum")
	}
	for _, k := range kinds {
		_, ok := KindRoutes[k]
		if k == "UNKNOWN" {
			if ok {
				t.Error("UNKNOWN has a route; it must be dead-lettered for a redrive after an upgrade")
			}
			continue
		}
		if !ok {
			t.Errorf("request kind %s has no route", k)
		}
	}
	for k := range KindRoutes {
		if !slices.Contains(kinds, k) {
			t.Errorf("route for kind %s, which the schema does not have", k)
		}
	}
	routes := make([]Route, 0, len(EventRoutes)+len(KindRoutes))
	for _, r := range EventRoutes {
		routes = append(routes, r.Route)
		if r.Informational != nil {
			routes = append(routes, *r.Informational)
		}
	}
	for _, r := range KindRoutes {
		routes = append(routes, r)
	}
	for _, r := range routes {
		if _, ok := defaultTemplates[r.Template]; !ok {
			t.Errorf("template %s has no default text", r.Template)
		}
		if len(r.Channels) == 0 || r.Category == "" || (r.Priority != PriorityEmergency && r.Priority != PriorityRoutine) {
			t.Errorf("route %+v is incomplete", r)
		}
	}
}

// TestSafetyRoutesAreEmergencies: every route whose category bypasses preferences travels in
// the emergency lane and reaches people by SMS, and no routine category does.
func TestSafetyRoutesAreEmergencies(t *testing.T) {
	check := func(name string, r Route) {
		safety := r.Category == "safety" || r.Category == "emergency" || r.Category == "wildlife"
		if safety != (r.Priority == PriorityEmergency) {
			t.Errorf("%s: category %s with priority %s", name, r.Category, r.Priority)
		}
		if safety && !slices.Contains(r.Channels, "sms") {
			t.Errorf("%s: safety-critical route without SMS", name)
		}
	}
	for n, r := range EventRoutes {
		check(n, r.Route)
		if r.Informational != nil {
			check(n+" (informational)", *r.Informational)
			if r.Route.Category != "safety" || r.Informational.Category == "safety" {
				t.Errorf("%s: a judged route must be safety with an informational alternative", n)
			}
		}
	}
	for n, r := range KindRoutes {
		check(n, r)
	}
}
