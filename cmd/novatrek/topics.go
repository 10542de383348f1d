package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/topicplan"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/topology"
)

func newTopicsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "topics",
		Short: "Compare topics.yaml with the Kafka cluster and apply the difference",
		Long: `topics plan shows what would make the cluster at KAFKA_BROKERS match topics.yaml;
topics apply does it. Both are dry runs unless apply gets --execute.

Created topics get the declared partitions and configs; partitions are grown and the managed
configs (retention.ms, cleanup.policy) set back when they drift. A topic with more partitions
than declared is reported and never shrunk (Kafka cannot remove partitions). A topic under
the managed prefix that topics.yaml does not declare is deleted only with --allow-delete.`,
		Example: `  novatrek topics plan                  # what would change on KAFKA_BROKERS
  novatrek topics apply --execute       # make it so`,
	}
	cmd.AddCommand(newTopicsPlanCmd(), newTopicsApplyCmd())
	return cmd
}

// topicsFlags are the settings plan and apply share.
type topicsFlags struct {
	cfg         config.Config
	prefix      string
	replication int16
	allowDelete bool
	timeout     time.Duration
}

func (f *topicsFlags) register(fs *pflag.FlagSet) {
	f.cfg = config.FromEnv()
	f.cfg.Flags(fs)
	fs.StringVar(&f.prefix, "prefix", topicplan.DefaultManagedPrefix, "undeclared topics under this prefix are ours to delete")
	fs.Int16Var(&f.replication, "replication-factor", -1, "replication factor of created topics (-1: the broker's default)")
	fs.BoolVar(&f.allowDelete, "allow-delete", false, "delete topics under --prefix that topics.yaml does not declare")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "give up when the cluster has not answered by then")
}

func (f *topicsFlags) options(log *slog.Logger) topicplan.Options {
	return topicplan.Options{
		ReplicationFactor: f.replication,
		ManagedPrefix:     f.prefix,
		AllowDelete:       f.allowDelete,
		Logger:            log,
	}
}

// plan validates the settings, connects and diffs; fn gets the admin client and the plan.
func (f *topicsFlags) plan(ctx context.Context, fn func(context.Context, *kadm.Client, topicplan.Plan) error) error {
	if err := f.cfg.Validate(); err != nil {
		return err
	}
	topo, err := topology.Default()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	cl, err := kgo.NewClient(f.cfg.KafkaOpts()...)
	if err != nil {
		return fmt.Errorf("connecting to Kafka at %v: %w", f.cfg.KafkaBrokers, err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	p, err := topicplan.Diff(ctx, adm, topo, f.options(nil))
	if err != nil {
		return fmt.Errorf("comparing topics.yaml with the cluster at %v: %w", f.cfg.KafkaBrokers, err)
	}
	return fn(ctx, adm, p)
}

func newTopicsPlanCmd() *cobra.Command {
	var (
		f     topicsFlags
		check bool
	)
	cmd := &cobra.Command{
		Use: "plan",
		Example: `  novatrek topics plan                              # what apply would change on KAFKA_BROKERS
  novatrek topics plan --check                      # exit 1 on drift (CI)
  novatrek topics plan --brokers kafka-1:9092 --replication-factor 3`,
		Short: "Show what apply would change (changes nothing)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.plan(cmd.Context(), func(_ context.Context, _ *kadm.Client, p topicplan.Plan) error {
				if err := p.WriteText(cmd.OutOrStdout()); err != nil {
					return err
				}
				if check {
					return p.Check()
				}
				return nil
			})
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().BoolVar(&check, "check", false, "exit non-zero when the cluster differs from topics.yaml")
	return cmd
}

func newTopicsApplyCmd() *cobra.Command {
	var (
		f       topicsFlags
		execute bool
	)
	cmd := &cobra.Command{
		Use: "apply",
		Example: `  novatrek topics apply                             # dry run: prints the plan
  novatrek topics apply --execute                   # create, grow, reconfigure
  novatrek topics apply --execute --allow-delete    # also delete undeclared novatrek.support.* topics`,
		Short: "Make the cluster match topics.yaml (a dry run unless --execute)",
		Long: `apply prints the plan and, with --execute (or --yes), carries it out. It exits
non-zero when a change failed or when a topic has more partitions than declared, which no
tool can fix: declare the real count in topics.yaml or recreate the topic by hand.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			return f.plan(cmd.Context(), func(ctx context.Context, adm *kadm.Client, p topicplan.Plan) error {
				if err := p.WriteText(out); err != nil {
					return err
				}
				if !execute {
					if len(p.Pending()) > 0 {
						fmt.Fprintln(out, "\nDry run: nothing changed. Run with --execute to apply.")
					}
					return nil
				}
				log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
				applied, err := topicplan.Apply(ctx, adm, p, f.options(log))
				if len(p.Pending()) > 0 {
					fmt.Fprintf(out, "\nApplied %d of %d changes.\n", len(applied), len(p.Pending()))
				}
				if err != nil {
					return err
				}
				return unfixable(p)
			})
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().BoolVar(&execute, "execute", false, "carry the plan out (default: dry run)")
	cmd.Flags().BoolVar(&execute, "yes", false, "same as --execute")
	return cmd
}

// unfixable returns an error when the plan holds a drift no flag can fix (a shrink). A
// delete left for --allow-delete is the caller's choice, not an error.
func unfixable(p topicplan.Plan) error {
	var errs []error
	for _, c := range p.Blocked() {
		if c.Action == topicplan.ShrinkPartitions {
			errs = append(errs, fmt.Errorf("topic %q has %d partitions, topics.yaml declares %d: %s",
				c.Topic, c.CurrentPartitions, c.Partitions, c.Reason))
		}
	}
	return errors.Join(errs...)
}
