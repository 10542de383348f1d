package intake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/template"
)

// defaultTemplate is the text SeedDefaults publishes for one template name on every channel
// its routes use, in template.DefaultLocale.
type defaultTemplate struct {
	Subject string
	Body    string
	// Variables are the data keys the text uses; the handler always provides them (see
	// data.go for events; requests always carry reference_id and kind).
	Variables []string
}

var requestVars = []string{"reference_id"}

// defaultTemplates are the seeded texts, by template name.
var defaultTemplates = map[string]defaultTemplate{
	"reservation.status-changed": {"Your reservation is now {{.new_status}}",
		"Reservation {{.reservation_id}} for trip {{.trip_id}} on {{.departure_date}} changed from {{.previous_status}} to {{.new_status}}.{{if .reason}} Reason: {{.reason}}{{end}}",
		[]string{"reservation_id", "trip_id", "departure_date", "previous_status", "new_status", "reason"}},
	"checkin.completed": {"You are checked in",
		"Check-in for reservation {{.reservation_id}} (party of {{.party_size}}) completed at {{.checked_in_at}}.",
		[]string{"reservation_id", "party_size", "checked_in_at"}},
	"schedule.published": {"Schedule for {{.schedule_date}} published",
		"The schedule for {{.schedule_date}} (revision {{.revision}}) is out: you have {{.assignments}} assignment(s).",
		[]string{"schedule_date", "revision", "assignments"}},
	"payment.processed": {"Payment {{.status}}",
		"Payment {{.payment_id}} of {{.amount}} for reservation {{.reservation_id}}: {{.status}}.",
		[]string{"payment_id", "amount", "reservation_id", "status"}},
	"incident.reported": {"Safety incident: {{.severity}} {{.category}}",
		"Incident {{.incident_id}} ({{.severity}}, {{.category}}) at {{.incident_at}}: {{.description}}",
		[]string{"incident_id", "severity", "category", "incident_at", "description"}},
	"emergency.triggered": {"EMERGENCY: {{.emergency_type}}",
		"Emergency {{.emergency_id}} ({{.emergency_type}}, level {{.level}}). {{.instructions}}",
		[]string{"emergency_id", "emergency_type", "level", "instructions"}},
	"wildlife-alert.issued": {"Wildlife alert: {{.species}}",
		"{{.species}} sighted ({{.threat_level}}): keep {{.radius_meters}} m away. {{.guidance}}",
		[]string{"species", "threat_level", "radius_meters", "guidance"}},

	"payment.refunded": {"Your refund of {{.amount}}",
		"We refunded {{.amount}} ({{if eq .full_refund \"true\"}}the full payment{{else}}part of the payment{{end}}) for reservation {{.reservation_id}}: {{.reason}}. Refund {{.refund_id}}; it reaches your account in a few business days.",
		[]string{"amount", "full_refund", "reservation_id", "reason", "refund_id"}},
	"loyalty-tier.changed": {"{{if eq .direction \"PROMOTION\"}}Congratulations: you are now {{.new_tier}}{{else}}Your tier is now {{.new_tier}}{{end}}",
		"{{if eq .direction \"PROMOTION\"}}Congratulations! With {{.qualifying_points}} qualifying points you moved up from {{.previous_tier}} to {{.new_tier}}, effective {{.effective_at}}.{{else}}Your loyalty tier changed from {{.previous_tier}} to {{.new_tier}} on {{.effective_at}} ({{.qualifying_points}} qualifying points).{{end}}",
		[]string{"direction", "previous_tier", "new_tier", "qualifying_points", "effective_at"}},
	"loyalty-reward.redeemed": {"Reward redeemed: {{.reward_name}}",
		"You redeemed {{.reward_name}} for {{.points_spent}} points{{if .value}} (worth {{.value}}){{end}}{{if .reservation_id}} on reservation {{.reservation_id}}{{end}}. Your balance is {{.balance_after}} points.",
		[]string{"reward_name", "points_spent", "value", "reservation_id", "balance_after"}},
	"weather-alert.issued": {"Weather {{.severity}}: {{.headline}}",
		"{{.alert_type}} {{.severity}} within {{.radius_km}} km of location {{.location_id}}, {{.starts_at}} to {{.ends_at}}: {{.description}}{{if eq .recommend_cancellation \"true\"}} Cancellation of departures is recommended.{{end}}",
		[]string{"severity", "headline", "alert_type", "radius_km", "location_id", "starts_at", "ends_at", "description", "recommend_cancellation"}},
	"weather-alert.updated": {"{{if eq .raised \"true\"}}Weather alert raised: {{.severity}}{{else}}Weather alert updated: {{.severity}}{{end}}: {{.headline}}",
		"Update to weather alert {{.alert_id}} at location {{.location_id}}: {{.alert_type}} {{.severity}}, {{.starts_at}} to {{.ends_at}}: {{.description}}{{if eq .recommend_cancellation \"true\"}} Cancellation of departures is recommended.{{end}}",
		[]string{"raised", "severity", "headline", "alert_id", "location_id", "alert_type", "starts_at", "ends_at", "description", "recommend_cancellation"}},
	"weather-alert.cancelled": {"Weather alert cancelled",
		"Weather alert {{.alert_id}} at location {{.location_id}} was cancelled by its sender at {{.cancelled_at}}.{{if .headline}} {{.headline}}{{end}}",
		[]string{"alert_id", "location_id", "cancelled_at", "headline"}},
	"trip-weather-risk.changed": {"Weather for departure {{.departure_id}}: {{.recommendation}}",
		"Departure {{.departure_id}} ({{.activity}}, trip {{.trip_id}}, location {{.location_id}}, {{.starts_at}} to {{.ends_at}}): weather recommendation {{.recommendation}}{{if .previous_recommendation}} (was {{.previous_recommendation}}){{end}}. Reasons: {{.reasons}}.",
		[]string{"departure_id", "recommendation", "activity", "trip_id", "location_id", "starts_at", "ends_at", "previous_recommendation", "reasons"}},

	"checkin-confirmation":      {"Check-in confirmed", "Your check-in for {{.reference_id}} is confirmed.", requestVars},
	"booking-confirmation":      {"Booking confirmed", "Your booking {{.reference_id}} is confirmed.", requestVars},
	"reservation-status-update": {"Reservation update", "Your reservation {{.reference_id}} has been updated.", requestVars},
	"insurance-confirmation":    {"Insurance confirmed", "Travel insurance for {{.reference_id}} is confirmed.", requestVars},
	"guide-assignment":          {"New assignment", "You have been assigned to {{.reference_id}}.", requestVars},
	"affected-parties-update":   {"Trip change", "There is a change affecting {{.reference_id}}.", requestVars},
	"partner-confirmation":      {"Partner booking confirmed", "Booking {{.reference_id}} is confirmed.", requestVars},
	"waiver-copy":               {"Your signed waiver", "A copy of your signed waiver for {{.reference_id}} is attached.", requestVars},
	"safety-alert":              {"SAFETY ALERT", "Safety alert for {{.reference_id}}: follow your guide's instructions.", requestVars},
	"transport-details":         {"Transport details", "Transport details for {{.reference_id}} are ready.", requestVars},
	"park-ranger-alert":         {"Ranger alert", "Ranger assistance requested: {{.reference_id}}.", requestVars},
	"emergency-alert":           {"EMERGENCY", "Emergency {{.reference_id}}: follow staff instructions now.", requestVars},
	"rescue-team-dispatch":      {"Rescue dispatch", "Rescue team dispatched: {{.reference_id}}.", requestVars},
	"wildlife-alert":            {"Wildlife alert", "Wildlife alert {{.reference_id}}: avoid the area.", requestVars},
	"payment-confirmation":      {"Payment received", "Your payment {{.reference_id}} has been received.", requestVars},
	"refund-confirmation":       {"Refund issued", "Your refund {{.reference_id}} has been issued.", requestVars},
	"loyalty-tier-change":       {"Your loyalty tier changed", "Your loyalty tier has changed ({{.reference_id}}).", requestVars},
	"loyalty-reward-redemption": {"Reward redeemed", "Your reward redemption {{.reference_id}} is confirmed.", requestVars},
	"weather-alert":             {"Weather alert", "Severe weather alert {{.reference_id}}: follow staff instructions.", requestVars},
}

// templateChannels returns every (template name, channel) the routing table can use.
func templateChannels() map[string][]provider.Channel {
	out := map[string][]provider.Channel{}
	add := func(name string, chs []provider.Channel) {
		for _, ch := range chs {
			if !slices.Contains(out[name], ch) {
				out[name] = append(out[name], ch)
			}
		}
	}
	for _, r := range EventRoutes {
		add(r.Template, r.Channels)
		if r.Informational != nil {
			add(r.Informational.Template, r.Informational.Channels)
		}
	}
	for _, r := range KindRoutes {
		add(r.Template, allChannels) // a request may name any channel
	}
	return out
}

var allChannels = []provider.Channel{provider.Email, provider.SMS, provider.Push, provider.InApp}

// SeedDefaults publishes the default template of every route on every channel it may use,
// in template.DefaultLocale, where no current version exists yet; existing templates (and
// their rollbacks) are left alone, so it is safe on every start (novatrek dev calls it).
func SeedDefaults(ctx context.Context, db template.DB) error {
	for name, chs := range templateChannels() {
		d, ok := defaultTemplates[name]
		if !ok {
			return fmt.Errorf("intake: seed templates: no default text for %q", name)
		}
		for _, ch := range chs {
			k := template.Key{Name: name, Channel: ch, Locale: template.DefaultLocale}
			_, err := template.Current(ctx, db, k)
			if err == nil {
				continue
			}
			if !errors.Is(err, template.ErrNotFound) {
				return fmt.Errorf("intake: seed templates: %w", err)
			}
			sample := map[string]any{}
			for _, v := range d.Variables {
				sample[v] = "sample " + strings.ReplaceAll(v, "_", " ")
			}
			if _, err := template.Publish(ctx, db, template.Draft{
				Key: k, Subject: d.Subject, Body: d.Body, Variables: d.Variables,
				SampleData: sample, PublishedBy: Group + " defaults",
			}); err != nil {
				return fmt.Errorf("intake: seed templates: %w", err)
			}
		}
	}
	return nil
}

// Seed is SeedDefaults as a service's Store.Seed, run on every start: db must be able to
// begin transactions (the runner hands it the service's pool).
func Seed(ctx context.Context, db store.DB) error {
	tdb, ok := db.(template.DB)
	if !ok {
		return fmt.Errorf("seed default templates: %T cannot begin a transaction", db)
	}
	if err := SeedDefaults(ctx, tdb); err != nil {
		return fmt.Errorf("seed default templates: %w", err)
	}
	return nil
}
