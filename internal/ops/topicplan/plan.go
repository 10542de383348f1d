// Package topicplan diffs topics.yaml against a Kafka cluster and applies the difference,
// terraform style: [Diff] reads the cluster and returns a [Plan] listing the changes,
// [Plan.WriteText] renders it for a person, and [Apply] carries out the changes that are
// safe. [Sync] does both, for the dev stack.
//
// Safe changes are creating a declared topic, growing its partition count and setting the
// configs topics.yaml manages (retention.ms, cleanup.policy; other configs are left alone).
// Two kinds of drift are never repaired silently: a topic with more partitions than declared
// (Kafka cannot remove partitions, so it is always reported and never applied) and a topic
// under the managed prefix that topics.yaml does not declare (deleted only when the caller
// allows deletes).
package topicplan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/novatrek/support/internal/platform/topology"
)

// DefaultManagedPrefix is the name prefix of the topics this tool considers its own: a
// topic under it that topics.yaml does not declare is planned for deletion.
const DefaultManagedPrefix = "novatrek."

// Options tunes Plan and Apply. The zero value is ready to use.
type Options struct {
	// ReplicationFactor of created topics. 0 or -1 (the default) lets the broker choose
	// (its default.replication.factor).
	ReplicationFactor int16
	// ManagedPrefix selects the cluster topics that topics.yaml owns; DefaultManagedPrefix
	// when empty. Declared topics are managed whatever their name.
	ManagedPrefix string
	// AllowDelete lets the plan delete topics under ManagedPrefix that topics.yaml does not
	// declare. Without it (the default) such topics are only reported. Apply deletes only
	// when both the plan and Apply's options allow it.
	AllowDelete bool
	// Logger receives one line per change Apply makes; discarded when nil.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.ReplicationFactor == 0 {
		o.ReplicationFactor = -1
	}
	if o.ManagedPrefix == "" {
		o.ManagedPrefix = DefaultManagedPrefix
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func (o Options) validate() error {
	if o.ReplicationFactor < -1 {
		return fmt.Errorf("topicplan: replication factor %d: want -1 (broker default) or a positive count", o.ReplicationFactor)
	}
	return nil
}

// Action is what a Change does to one topic.
type Action string

// The actions, in the order Apply carries them out.
const (
	// Create creates a declared topic missing from the cluster, with its partitions and
	// every managed config.
	Create Action = "create"
	// GrowPartitions raises a topic's partition count to the declared one.
	GrowPartitions Action = "grow-partitions"
	// SetConfig sets one managed config to its declared value (IncrementalAlterConfigs).
	SetConfig Action = "set-config"
	// Delete removes a topic under the managed prefix that topics.yaml does not declare.
	Delete Action = "delete"
	// ShrinkPartitions is a topic with more partitions than declared. Kafka cannot remove
	// partitions, so it is always Blocked: change topics.yaml or recreate the topic by hand.
	ShrinkPartitions Action = "shrink-partitions"
)

// Change is one difference between topics.yaml and the cluster.
type Change struct {
	Action Action
	Topic  string

	// Partitions is the declared partition count (Create, GrowPartitions, ShrinkPartitions).
	Partitions int32
	// CurrentPartitions is the cluster's count (GrowPartitions, ShrinkPartitions).
	CurrentPartitions int32
	// ReplicationFactor of a Create; -1 is the broker default.
	ReplicationFactor int16
	// Configs of a Create: every managed config, by Kafka name.
	Configs map[string]string

	// Config, Value and Current describe a SetConfig: the Kafka config name, the declared
	// value and the cluster's value (CurrentSet false when the cluster reported none).
	Config     string
	Value      string
	Current    string
	CurrentSet bool

	// Blocked changes are reported but never applied; Reason says why and what to do.
	Blocked bool
	Reason  string
}

// Plan is the list of changes that would make the cluster match topics.yaml, sorted by
// topic, then by action order.
type Plan struct {
	Changes []Change
}

// HasDrift reports whether the cluster differs from topics.yaml in any way, including
// blocked changes.
func (p Plan) HasDrift() bool { return len(p.Changes) > 0 }

// Pending returns the changes Apply would carry out.
func (p Plan) Pending() []Change {
	var out []Change
	for _, c := range p.Changes {
		if !c.Blocked {
			out = append(out, c)
		}
	}
	return out
}

// Blocked returns the changes Apply will not carry out.
func (p Plan) Blocked() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Blocked {
			out = append(out, c)
		}
	}
	return out
}

// ErrDrift is wrapped by the error Check returns when the cluster differs from topics.yaml.
var ErrDrift = errors.New("the cluster differs from topics.yaml")

// Check returns an error wrapping ErrDrift that counts the changes when the plan has any,
// and nil when the cluster matches topics.yaml. `novatrek topics plan --check` exits
// non-zero on it.
func (p Plan) Check() error {
	if !p.HasDrift() {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrDrift, strings.TrimPrefix(p.summary(), "Plan: "))
}

// Diff reads the cluster through adm and returns the plan that would make it match topo.
// It changes nothing.
func Diff(ctx context.Context, adm *kadm.Client, topo *topology.Topology, opts Options) (Plan, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return Plan{}, err
	}
	if topo == nil {
		return Plan{}, errors.New("topicplan: no topology")
	}
	current, err := readCluster(ctx, adm, topo, opts.ManagedPrefix)
	if err != nil {
		return Plan{}, err
	}
	return compare(topo.Topics, current, opts), nil
}

// isManaged reports whether a cluster topic that topics.yaml does not declare is ours.
func isManaged(name, prefix string) bool { return strings.HasPrefix(name, prefix) }
