package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/ops/lag"
)

func newGroupsListCmd() *cobra.Command {
	var f groupsObserveFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every consumer group with its state, members, topics, lag and status",
		Long: `list shows every consumer group the cluster at KAFKA_BROKERS knows, and the groups of the
services this binary runs even when the cluster does not (state Dead: never started, or
deleted). Groups with no live member (state Empty) are listed with the lag they left behind;
our services' groups on every partition of the topics they consume, so one that never ran is
STOP while records wait for it.

LAG is the records between the committed offsets and the last stable offsets, summed over the
group's partitions; LAG-SECONDS the age of the oldest record the group has not consumed.
STATUS is judged as Burrow does (see 'groups lag --help'); by default list takes one
observation, which can tell OK, STOP and ERR but not STALL or WARN: add --samples 3.

Exit status: 0 when every group is OK, 2 when one is not (named on stderr), 1 when the
cluster could not be observed. A group nobody runs (not ours, no live member, no offset
moved) is EMPTY rather than STOP and counts only with --include-inactive. --watch runs until interrupted and then exits 0.`,
		Example: `  # Every group, one observation
  novatrek groups list

  # Judge STALL and WARN too: three observations five seconds apart
  novatrek groups list --samples 3 --sample-interval 5s

  # For scripts
  novatrek groups list -o json | jq -r '.[] | select(.lag > 0) | .group'

  # Keep the table up to date every 10s
  novatrek groups list --watch --interval 10s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			return f.run(cmd.Context(), nil, func(snap lag.Snapshot) error {
				if f.output == "json" {
					if err := writeJSON(out, snap.Groups); err != nil {
						return err
					}
					return notOK(snap.Groups, f.includeInactive)
				}
				if f.watch {
					fmt.Fprintf(out, "\n%s\n", snap.At.Format(time.RFC3339))
				}
				if err := printGroupList(out, snap.Groups); err != nil {
					return err
				}
				sampleNote(out, &f)
				return notOK(snap.Groups, f.includeInactive)
			})
		},
	}
	f.register(cmd.Flags(), 1, 5*time.Second)
	return cmd
}

func printGroupList(out io.Writer, groups []lag.Group) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tSTATE\tMEMBERS\tTOPICS\tLAG\tLAG-SECONDS\tSTATUS")
	for _, g := range groups {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", g.Group, g.State, len(g.Members), len(g.Topics),
			strconv.FormatInt(g.Lag, 10), secondsText(g.LagSeconds), g.Status)
	}
	return tw.Flush()
}
