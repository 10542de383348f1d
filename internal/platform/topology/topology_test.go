package topology

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/schemas"
)

func mustDefault(t *testing.T) *Topology {
	t.Helper()
	top, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return top
}

func TestEveryTopicHasItsSchema(t *testing.T) {
	top := mustDefault(t)
	cat, err := schemas.Load()
	if err != nil {
		t.Fatalf("loading schemas: %v", err)
	}
	for _, tp := range top.Topics {
		if tp.Kind == KindDeadLetter {
			if tp.HasSchema() {
				t.Errorf("%s: dead-letter topic has schema %q", tp.Name, tp.ValueSchema)
			}
			continue
		}
		if schemas.IsShared(tp.ValueSchema) {
			t.Errorf("%s: value schema %q is a shared type, not an event", tp.Name, tp.ValueSchema)
		}
		if _, ok := cat.Latest(tp.ValueSchema); !ok {
			t.Errorf("%s: value schema %q has no directory under schemas/", tp.Name, tp.ValueSchema)
		}
	}
}

func TestEverySchemaIsUsed(t *testing.T) {
	top := mustDefault(t)
	cat, err := schemas.Load()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, tp := range top.Topics {
		used[tp.ValueSchema] = true
	}
	for _, name := range cat.Names() {
		if !schemas.IsShared(name) && !used[name] {
			t.Errorf("schema %s is used by no topic", name)
		}
	}
}

func TestEveryServiceNamedIsDeclared(t *testing.T) {
	top := mustDefault(t)
	for _, tp := range top.Topics {
		for _, s := range slices.Concat(tp.Producers, tp.Consumers) {
			if _, ok := top.Service(s); !ok {
				t.Errorf("%s names undeclared service %s", tp.Name, s)
			}
		}
	}
	ours := 0
	for _, s := range top.Services {
		if s.Ours {
			ours++
		}
	}
	if ours != 9 {
		t.Errorf("%d services marked ours, want the nine of the support domain", ours)
	}
}

func TestEveryConsumerGroupHasADeadLetterTopic(t *testing.T) {
	top := mustDefault(t)
	groups := top.ConsumerGroups()
	if !slices.IsSorted(groups) || len(groups) == 0 {
		t.Fatalf("ConsumerGroups = %v; want a sorted, non-empty list", groups)
	}
	for _, g := range groups {
		tp, ok := top.Topic(DeadLetterTopic(g))
		if !ok || tp.Kind != KindDeadLetter {
			t.Errorf("group %s has no dead-letter topic", g)
		}
		if !slices.Contains(tp.Producers, g) {
			t.Errorf("%s: producers %v lack %s", tp.Name, tp.Producers, g)
		}
	}
	// And no dead-letter topic without its group.
	for _, tp := range top.Topics {
		if tp.Kind == KindDeadLetter && !slices.Contains(groups, strings.TrimPrefix(tp.Name, DeadLetterPrefix)) {
			t.Errorf("%s belongs to no consumer group", tp.Name)
		}
	}
}

func TestNamesAreUniqueAndWellFormed(t *testing.T) {
	top := mustDefault(t)
	seen := map[string]bool{}
	for _, tp := range top.Topics {
		if seen[tp.Name] {
			t.Errorf("%s declared twice", tp.Name)
		}
		seen[tp.Name] = true
		if !topicName.MatchString(tp.Name) {
			t.Errorf("%s does not follow novatrek.<domain>.<entity>.<event>", tp.Name)
		}
	}
}

// TestAnalyticsSubscribesToAllDomainEvents encodes the bounded-context rule "svc-analytics
// subscribes to all domain events".
func TestAnalyticsSubscribesToAllDomainEvents(t *testing.T) {
	top := mustDefault(t)
	for _, tp := range top.Topics {
		if tp.Kind == KindEvent && !slices.Contains(tp.Consumers, "svc-analytics") {
			t.Errorf("%s: svc-analytics does not consume it", tp.Name)
		}
	}
}

// TestSpecChannels pins the nine channels of the spec's event catalog and the consumers
// the spec names for them.
func TestSpecChannels(t *testing.T) {
	top := mustDefault(t)
	spec := map[string][]string{
		"novatrek.booking.reservation.created":        {"svc-analytics"},
		"novatrek.booking.reservation.status-changed": {"svc-notifications", "svc-analytics"},
		"novatrek.guest-identity.guest.registered":    {"svc-loyalty-rewards", "svc-analytics"},
		"novatrek.operations.checkin.completed":       {"svc-notifications", "svc-analytics"},
		"novatrek.operations.schedule.published":      {"svc-notifications"},
		"novatrek.support.payment.processed":          {"svc-reservations", "svc-notifications"},
		"novatrek.safety.incident.reported":           {"svc-notifications", "svc-analytics"},
		"novatrek.safety.emergency.triggered":         {"svc-notifications", "svc-analytics"},
		"novatrek.safety.wildlife-alert.issued":       {"svc-notifications", "svc-analytics"},
	}
	for name, consumers := range spec {
		tp, ok := top.Topic(name)
		if !ok {
			t.Errorf("spec channel %s is missing", name)
			continue
		}
		for _, c := range consumers {
			if !slices.Contains(tp.Consumers, c) {
				t.Errorf("%s: consumers %v lack %s", name, tp.Consumers, c)
			}
		}
	}
}

func TestConfigs(t *testing.T) {
	tests := []struct {
		topic Topic
		want  map[string]string
	}{
		{Topic{Retention: 0, CleanupPolicy: "delete"}, map[string]string{"retention.ms": "-1", "cleanup.policy": "delete"}},
		{Topic{Retention: 7 * 24 * time.Hour, CleanupPolicy: "compact,delete"}, map[string]string{"retention.ms": "604800000", "cleanup.policy": "compact,delete"}},
	}
	for _, tt := range tests {
		got := tt.topic.Configs()
		if len(got) != len(tt.want) {
			t.Errorf("Configs() = %v, want %v", got, tt.want)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("Configs()[%s] = %q, want %q", k, got[k], v)
			}
		}
	}
}

func TestParseRetention(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"infinite", 0, false},
		{"7d", 7 * 24 * time.Hour, false},
		{"2w", 14 * 24 * time.Hour, false},
		{"12h", 12 * time.Hour, false},
		{"", 0, true},
		{"0d", 0, true},
		{"-3d", 0, true},
		{"soon", 0, true},
		{"-5m", 0, true},
	}
	for _, tt := range tests {
		got, err := parseRetention(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseRetention(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestDefaultsAndLookups(t *testing.T) {
	top := mustDefault(t)
	tp, ok := top.Topic("novatrek.booking.reservation.created")
	if !ok {
		t.Fatal("reservation.created missing")
	}
	if tp.Compatibility != DefaultCompatibility || tp.Subject() != "novatrek.booking.reservation.created-value" {
		t.Errorf("compatibility %q subject %q", tp.Compatibility, tp.Subject())
	}
	if tp, _ := top.Topic("novatrek.support.notification.requested"); tp.Compatibility != "FULL_TRANSITIVE" {
		t.Errorf("notification.requested compatibility %q, want FULL_TRANSITIVE from topics.yaml", tp.Compatibility)
	}
	if _, ok := top.Topic("novatrek.nope.nope.nope"); ok {
		t.Error("unknown topic found")
	}
	if got := DeadLetterTopic("svc-payments"); got != "novatrek.support.dlq.svc-payments" {
		t.Errorf("DeadLetterTopic = %q", got)
	}
	if got := len(top.ConsumedBy("svc-notifications")); got == 0 {
		t.Error("svc-notifications consumes nothing")
	}
	if got := top.ProducedBy("svc-payments"); len(got) == 0 {
		t.Error("svc-payments produces nothing")
	}
}

// TestLoadRejects shows that each validation names the topic at fault.
func TestLoadRejects(t *testing.T) {
	const services = `
services:
  - {name: svc-a, domain: support, ours: true}
  - {name: svc-x, domain: booking}
`
	const good = `
  - name: novatrek.support.thing.done
    kind: event
    partitions: 3
    retention: 7d
    cleanup_policy: delete
    key: thing_id
    value_schema: thing_done
    producers: [svc-x]
    consumers: [svc-a]
  - name: novatrek.support.dlq.svc-a
    kind: dead-letter
    partitions: 1
    retention: 30d
    cleanup_policy: delete
    key: original key
    producers: [svc-a]
`
	if _, err := Load([]byte(services + "topics:" + good)); err != nil {
		t.Fatalf("the valid base does not load: %v", err)
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", services + "topics:" + good + "    colour: red\n", "colour"},
		{"duplicate", services + "topics:" + good + good[:strings.Index(good, "  - name: novatrek.support.dlq")], `topic "novatrek.support.thing.done" declared twice`},
		{"bad name", services + "topics:" + strings.Replace(good, "novatrek.support.thing.done", "novatrek.thing-done", 1), `topic "novatrek.thing-done": name does not follow`},
		{"bad kind", services + "topics:" + strings.Replace(good, "kind: event", "kind: fact", 1), `kind "fact"`},
		{"no schema", services + "topics:" + strings.Replace(good, "value_schema: thing_done", "", 1), "has no value_schema"},
		{"dlq with schema", services + "topics:" + strings.Replace(good, "key: original key", "key: original key\n    value_schema: x", 1), "must have none"},
		{"undeclared consumer", services + "topics:" + strings.Replace(good, "consumers: [svc-a]", "consumers: [svc-a, svc-ghost]", 1), `consumer "svc-ghost" is not a declared service`},
		{"undeclared producer", services + "topics:" + strings.Replace(good, "producers: [svc-x]", "producers: [svc-ghost]", 1), `producer "svc-ghost" is not a declared service`},
		{"missing dlq", services + "topics:" + good[:strings.Index(good, "  - name: novatrek.support.dlq")], `consumer group "svc-a" has no dead-letter topic`},
		{"bad retention", services + "topics:" + strings.Replace(good, "retention: 7d", "retention: a while", 1), `topic "novatrek.support.thing.done": retention "a while"`},
		{"bad cleanup", services + "topics:" + strings.Replace(good, "cleanup_policy: delete", "cleanup_policy: shred", 1), `cleanup_policy "shred"`},
		{"bad compatibility", services + "topics:" + strings.Replace(good, "key: thing_id", "key: thing_id\n    compatibility: SOMETIMES", 1), `compatibility "SOMETIMES"`},
		{"zero partitions", services + "topics:" + strings.Replace(good, "partitions: 3", "partitions: 0", 1), "partitions must be positive"},
		{"no key", services + "topics:" + strings.Replace(good, "key: thing_id", "", 1), "key is not described"},
		{"not yaml", "topics: [", "parsing topics.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v\nwant one containing %q", err, tt.want)
			}
		})
	}
}
