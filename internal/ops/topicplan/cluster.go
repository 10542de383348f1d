package topicplan

import (
	"context"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/novatrek/support/internal/platform/topology"
)

// clusterTopic is what the plan needs to know about a topic that exists in the cluster.
type clusterTopic struct {
	partitions int32
	// configs holds the effective values of the managed configs the broker reported, by
	// Kafka name; a key the broker did not report is absent.
	configs map[string]string
}

// readCluster lists the cluster's topics and describes the configs of the declared ones.
// Only declared topics and undeclared ones under prefix are returned: everything else in
// the cluster is someone else's business.
func readCluster(ctx context.Context, adm *kadm.Client, topo *topology.Topology, prefix string) (map[string]clusterTopic, error) {
	// kadm answers metadata from the kgo client's cache (up to MetadataMinAge old), which
	// would hide a topic created or grown a moment ago. Asking for authorized operations is
	// kadm's one way to send a fresh metadata request; we ignore the operations.
	details, err := adm.ListTopics(kadm.WithAuthorizedOps(ctx))
	if err != nil {
		return nil, fmt.Errorf("topicplan: listing the cluster's topics: %w", err)
	}
	declared := map[string]bool{}
	for _, tp := range topo.Topics {
		declared[tp.Name] = true
	}
	out := map[string]clusterTopic{}
	var describe []string
	for name, d := range details {
		if !declared[name] && !isManaged(name, prefix) {
			continue
		}
		if d.Err != nil {
			return nil, fmt.Errorf("topicplan: reading topic %q: %w", name, d.Err)
		}
		out[name] = clusterTopic{partitions: int32(len(d.Partitions))}
		if declared[name] {
			describe = append(describe, name)
		}
	}
	if len(describe) == 0 {
		return out, nil
	}
	slices.Sort(describe)
	rcs, err := adm.DescribeTopicConfigs(ctx, describe...)
	if err != nil {
		return nil, fmt.Errorf("topicplan: describing the configs of %d topics: %w", len(describe), err)
	}
	keys := managedConfigKeys(topo)
	for _, rc := range rcs {
		if rc.Err != nil {
			return nil, fmt.Errorf("topicplan: describing the configs of topic %q: %w", rc.Name, rc.Err)
		}
		ct, ok := out[rc.Name]
		if !ok {
			continue
		}
		ct.configs = map[string]string{}
		for _, c := range rc.Configs {
			if keys[c.Key] && c.Value != nil {
				ct.configs[c.Key] = *c.Value
			}
		}
		out[rc.Name] = ct
	}
	return out, nil
}

// managedConfigKeys returns the Kafka config names topics.yaml sets on any topic.
func managedConfigKeys(topo *topology.Topology) map[string]bool {
	keys := map[string]bool{}
	for _, tp := range topo.Topics {
		for k := range tp.Configs() {
			keys[k] = true
		}
	}
	return keys
}
