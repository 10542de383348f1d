package topicplan

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/novatrek/support/internal/platform/topology"
)

// Apply carries out the plan's pending changes, in order: creates, partition growth, config
// updates, then deletes (only when opts.AllowDelete allows them too). Blocked changes are
// never applied. Topics are independent, so a failure on one does not stop the others:
// Apply returns the changes it made and every failure, joined, each naming its topic.
func Apply(ctx context.Context, adm *kadm.Client, plan Plan, opts Options) ([]Change, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	var (
		applied []Change
		errs    []error
	)
	done := func(c Change, err error) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		opts.Logger.InfoContext(ctx, "topic changed", "action", string(c.Action), "topic", c.Topic, "change", c.describe())
		applied = append(applied, c)
	}
	pending := byAction(plan.Pending())

	for _, c := range pending[Create] {
		done(c, create(ctx, adm, c))
	}
	for _, c := range pending[GrowPartitions] {
		done(c, grow(ctx, adm, c))
	}
	for _, topic := range slices.Sorted(maps.Keys(byTopic(pending[SetConfig]))) {
		cs := byTopic(pending[SetConfig])[topic]
		err := setConfigs(ctx, adm, topic, cs)
		for _, c := range cs {
			done(c, err)
		}
	}
	if opts.AllowDelete {
		for _, c := range pending[Delete] {
			done(c, deleteTopic(ctx, adm, c))
		}
	}
	return applied, errors.Join(errs...)
}

// Sync makes the cluster match topo as far as it safely can (Diff, then Apply) and returns
// the plan it carried out; its blocked changes were left alone. The dev stack calls it at
// start.
func Sync(ctx context.Context, adm *kadm.Client, topo *topology.Topology, opts Options) (Plan, error) {
	plan, err := Diff(ctx, adm, topo, opts)
	if err != nil {
		return Plan{}, err
	}
	if _, err := Apply(ctx, adm, plan, opts); err != nil {
		return plan, err
	}
	return plan, nil
}

func create(ctx context.Context, adm *kadm.Client, c Change) error {
	configs := make(map[string]*string, len(c.Configs))
	for k, v := range c.Configs {
		configs[k] = kadm.StringPtr(v)
	}
	if r, err := adm.CreateTopic(ctx, c.Partitions, c.ReplicationFactor, configs, c.Topic); err != nil {
		return fmt.Errorf("topicplan: creating topic %q: %w", c.Topic, responseErr(err, r.ErrMessage))
	}
	return nil
}

func grow(ctx context.Context, adm *kadm.Client, c Change) error {
	rs, err := adm.UpdatePartitions(ctx, int(c.Partitions), c.Topic)
	if err == nil {
		err = responseErr(rs[c.Topic].Err, rs[c.Topic].ErrMessage)
	}
	if err != nil {
		return fmt.Errorf("topicplan: growing topic %q from %d to %d partitions: %w", c.Topic, c.CurrentPartitions, c.Partitions, err)
	}
	return nil
}

func setConfigs(ctx context.Context, adm *kadm.Client, topic string, cs []Change) error {
	alters := make([]kadm.AlterConfig, 0, len(cs))
	for _, c := range cs {
		alters = append(alters, kadm.AlterConfig{Op: kadm.SetConfig, Name: c.Config, Value: kadm.StringPtr(c.Value)})
	}
	rs, err := adm.AlterTopicConfigs(ctx, alters, topic)
	if err == nil {
		for _, r := range rs {
			if err = responseErr(r.Err, r.ErrMessage); err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("topicplan: setting %d configs of topic %q: %w", len(cs), topic, err)
	}
	return nil
}

func deleteTopic(ctx context.Context, adm *kadm.Client, c Change) error {
	if r, err := adm.DeleteTopic(ctx, c.Topic); err != nil {
		return fmt.Errorf("topicplan: deleting topic %q: %w", c.Topic, responseErr(err, r.ErrMessage))
	}
	return nil
}

// responseErr adds the broker's message to a per-resource error, when it sent one.
func responseErr(err error, msg string) error {
	if err != nil && msg != "" {
		return fmt.Errorf("%w: %s", err, msg)
	}
	return err
}

func byAction(cs []Change) map[Action][]Change {
	out := map[Action][]Change{}
	for _, c := range cs {
		out[c.Action] = append(out[c.Action], c)
	}
	return out
}

func byTopic(cs []Change) map[string][]Change {
	out := map[string][]Change{}
	for _, c := range cs {
		out[c.Topic] = append(out[c.Topic], c)
	}
	return out
}

// describe is a one-line account of a change, for logs.
func (c Change) describe() string {
	switch c.Action {
	case Create:
		return fmt.Sprintf("create with %d partitions, replication factor %s", c.Partitions, replicationText(c.ReplicationFactor))
	case GrowPartitions, ShrinkPartitions:
		return fmt.Sprintf("partitions %d → %d", c.CurrentPartitions, c.Partitions)
	case SetConfig:
		return fmt.Sprintf("config %s %s → %s", c.Config, c.currentText(), c.Value)
	default:
		return "delete"
	}
}

func (c Change) currentText() string {
	if !c.CurrentSet {
		return "(unset)"
	}
	return c.Current
}

func replicationText(rf int16) string {
	if rf < 0 {
		return "broker default"
	}
	return strconv.Itoa(int(rf))
}
