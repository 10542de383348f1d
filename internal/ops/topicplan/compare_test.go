package topicplan

import (
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/topology"
)

// TestCompareAndRender pins the plan's rules and its text on one cluster state that has a
// bit of every kind of drift.
func TestCompareAndRender(t *testing.T) {
	declared := []topology.Topic{
		{Name: "novatrek.a.thing.created", Partitions: 3, Retention: 7 * 24 * time.Hour, CleanupPolicy: "delete"},
		{Name: "novatrek.b.thing.grown", Partitions: 6, Retention: 30 * 24 * time.Hour, CleanupPolicy: "compact,delete"},
		{Name: "novatrek.c.thing.shrunk", Partitions: 2, Retention: 0, CleanupPolicy: "compact"},
		{Name: "novatrek.d.thing.same", Partitions: 1, Retention: time.Hour, CleanupPolicy: "compact,delete"},
	}
	current := map[string]clusterTopic{
		"novatrek.b.thing.grown": {partitions: 3, configs: map[string]string{
			"retention.ms": "604800000",
			// cleanup.policy not reported: set it.
		}},
		"novatrek.c.thing.shrunk": {partitions: 12, configs: map[string]string{
			"retention.ms": "-1", "cleanup.policy": "compact",
		}},
		"novatrek.d.thing.same": {partitions: 1, configs: map[string]string{
			"retention.ms": " 3600000", "cleanup.policy": "delete, compact", // same set, other order
		}},
		"novatrek.e.thing.stray": {partitions: 1},
	}
	p := compare(declared, current, Options{}.withDefaults())

	want := `+ create novatrek.a.thing.created
    partitions          3
    replication factor  broker default
    cleanup.policy      delete
    retention.ms        604800000
~ update novatrek.b.thing.grown
    ~ partitions 3 → 6
    ~ config cleanup.policy (unset) → compact,delete
    ~ config retention.ms 604800000 → 2592000000
! update novatrek.c.thing.shrunk
    ! cannot shrink partitions 12 → 2: Kafka cannot remove partitions: declare 12 in topics.yaml, or recreate the topic by hand
- delete novatrek.e.thing.stray (not in topics.yaml; needs --allow-delete)

Plan: 1 to create, 1 to update, 0 to delete, 2 blocked (never applied).
`
	if got := p.String(); got != want {
		t.Errorf("plan text:\n%s\nwant:\n%s", got, want)
	}
	if n := len(p.Pending()); n != 4 {
		t.Errorf("%d pending changes; want 4 (create, grow, 2 configs)", n)
	}
	if n := len(p.Blocked()); n != 2 {
		t.Errorf("%d blocked changes; want 2 (shrink, delete)", n)
	}

	allowed := compare(declared, current, Options{AllowDelete: true}.withDefaults())
	last := allowed.Changes[len(allowed.Changes)-1]
	if last.Action != Delete || last.Blocked {
		t.Errorf("with AllowDelete the stray topic's delete is %+v; want a pending delete", last)
	}
	if got, want := allowed.summary(), "Plan: 1 to create, 1 to update, 1 to delete, 1 blocked (never applied)."; got != want {
		t.Errorf("summary = %q; want %q", got, want)
	}
}

func TestCompareCreatesWithReplicationFactor(t *testing.T) {
	declared := []topology.Topic{{Name: "novatrek.a.thing.created", Partitions: 3, CleanupPolicy: "delete"}}
	p := compare(declared, nil, Options{ReplicationFactor: 3}.withDefaults())
	if len(p.Changes) != 1 || p.Changes[0].ReplicationFactor != 3 {
		t.Fatalf("plan %+v; want one create with replication factor 3", p.Changes)
	}
	if got := p.Changes[0].Configs["retention.ms"]; got != "-1" {
		t.Errorf("retention.ms of an infinite topic = %q; want -1", got)
	}
}
