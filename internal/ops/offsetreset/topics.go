package offsetreset

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/novatrek/support/internal/platform/topology"
)

// ChooseTopics returns named when it is not empty, or every topic the group consumes:
// topics.yaml's for our services (ours), and every topic with a committed or stored offset
// or in a member's subscription. Topics not on the cluster are left out, each with a note.
func ChooseTopics(ctx context.Context, adm *kadm.Client, group string, named []string, ours bool,
	dg kadm.DescribedGroup, committed kadm.OffsetResponses, stored map[string]map[int32]int64) (topics, notes []string, err error) {
	if len(named) > 0 {
		return named, nil, nil
	}
	set := map[string]bool{}
	if ours {
		topo, err := topology.Default()
		if err != nil {
			return nil, nil, fmt.Errorf("topics.yaml: %w", err)
		}
		for _, t := range topo.ConsumedBy(group) {
			set[t.Name] = true
		}
	}
	for t := range committed {
		set[t] = true
	}
	for t := range stored {
		set[t] = true
	}
	for _, m := range dg.Members {
		if c, ok := m.Join.AsConsumer(); ok {
			for _, t := range c.Topics {
				set[t] = true
			}
		}
	}
	if len(set) == 0 {
		return nil, nil, fmt.Errorf("group %s has no committed or stored offsets and no members; name the topics with --topic", group)
	}
	all := make([]string, 0, len(set))
	for t := range set {
		all = append(all, t)
	}
	slices.Sort(all)
	details, err := adm.ListTopics(ctx, all...)
	if err != nil {
		return nil, nil, fmt.Errorf("list topics %v: %w", all, err)
	}
	for _, t := range all {
		if d, ok := details[t]; ok && d.Err == nil {
			topics = append(topics, t)
		} else {
			notes = append(notes, fmt.Sprintf("topic %s is not on the cluster; left alone", t))
		}
	}
	if len(topics) == 0 {
		return nil, notes, fmt.Errorf("none of the topics of group %s (%s) is on the cluster", group, strings.Join(all, ", "))
	}
	return topics, notes, nil
}
