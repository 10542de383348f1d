package topicplan

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/novatrek/support/internal/platform/topology"
)

// compare turns the declared topics and the cluster's state into a sorted plan. It is pure,
// so every rule of the plan is in this one function.
func compare(declared []topology.Topic, current map[string]clusterTopic, opts Options) Plan {
	var changes []Change
	seen := map[string]bool{}
	for _, tp := range declared {
		seen[tp.Name] = true
		ct, exists := current[tp.Name]
		if !exists {
			changes = append(changes, Change{
				Action:            Create,
				Topic:             tp.Name,
				Partitions:        tp.Partitions,
				ReplicationFactor: opts.ReplicationFactor,
				Configs:           tp.Configs(),
			})
			continue
		}
		changes = append(changes, comparePartitions(tp, ct)...)
		changes = append(changes, compareConfigs(tp, ct)...)
	}
	for name := range current {
		if seen[name] || !isManaged(name, opts.ManagedPrefix) {
			continue
		}
		c := Change{Action: Delete, Topic: name}
		if !opts.AllowDelete {
			c.Blocked = true
			c.Reason = "not in topics.yaml; needs --allow-delete"
		}
		changes = append(changes, c)
	}
	slices.SortStableFunc(changes, func(a, b Change) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(actionOrder(a.Action), actionOrder(b.Action)), strings.Compare(a.Config, b.Config))
	})
	return Plan{Changes: changes}
}

func comparePartitions(tp topology.Topic, ct clusterTopic) []Change {
	switch {
	case ct.partitions < tp.Partitions:
		return []Change{{Action: GrowPartitions, Topic: tp.Name, Partitions: tp.Partitions, CurrentPartitions: ct.partitions}}
	case ct.partitions > tp.Partitions:
		return []Change{{
			Action: ShrinkPartitions, Topic: tp.Name, Partitions: tp.Partitions, CurrentPartitions: ct.partitions,
			Blocked: true,
			Reason: fmt.Sprintf("Kafka cannot remove partitions: declare %d in topics.yaml, or recreate the topic by hand",
				ct.partitions),
		}}
	}
	return nil
}

func compareConfigs(tp topology.Topic, ct clusterTopic) []Change {
	var out []Change
	want := tp.Configs()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		cur, ok := ct.configs[k]
		if ok && sameConfigValue(k, cur, want[k]) {
			continue
		}
		out = append(out, Change{Action: SetConfig, Topic: tp.Name, Config: k, Value: want[k], Current: cur, CurrentSet: ok})
	}
	return out
}

// sameConfigValue compares config values the way the broker means them: list configs such
// as cleanup.policy are sets ("compact,delete" is "delete, compact").
func sameConfigValue(key, a, b string) bool {
	if key == "cleanup.policy" {
		return slices.Equal(listSet(a), listSet(b))
	}
	return strings.TrimSpace(a) == strings.TrimSpace(b)
}

func listSet(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func actionOrder(a Action) int {
	switch a {
	case Create:
		return 0
	case GrowPartitions:
		return 1
	case ShrinkPartitions:
		return 2
	case SetConfig:
		return 3
	default: // Delete
		return 4
	}
}
