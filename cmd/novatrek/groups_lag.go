package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/ops/lag"
)

func newGroupsLagCmd() *cobra.Command {
	var (
		f          groupsObserveFlags
		partitions bool
	)
	cmd := &cobra.Command{
		Use:   "lag [GROUP...]",
		Short: "Judge consumer groups OK, EMPTY, WARN, STALL, STOP or ERR; exit 2 when one is not OK",
		Long: `lag observes the named groups (default: every group in the cluster and our services' groups)
several times and judges each partition, then each group by its worst partition, the way
LinkedIn's Burrow does, without thresholds:

  OK     caught up at some point in the window, or consuming without falling behind
  EMPTY  there is lag, but nobody runs the group: not one of our services, no live member,
         no committed offset moved (a kcat -G group or a test client left behind)
  WARN   consuming, but the lag grew at every observation: the consumer is too slow
  STALL  a live member owns the partition, there is lag, and the committed offset did not move
  STOP   there is lag and no live member consumed the partition in the whole window
  ERR    the committed offset is beyond the log end, or before the log start (records were
         deleted before the group read them); or the group could not be described

A one-shot run takes --samples observations --sample-interval apart (default 3, 5s apart:
10s) and exits 2 when any group is not OK, naming them, so cron and CI can use it; exit 1
means the cluster could not be observed (or a flag is wrong). A named group the cluster does
not know is not OK either. Groups nobody runs (inactive: EMPTY, or ERR once retention passed
their offsets) are shown but do not make it exit 2 unless --include-inactive. Our services' groups (the services this binary runs) are judged
on every partition of the topics they consume: one that never ran is STOP while records wait. The window must be longer than the groups'
commit interval (our services commit every second; franz-go and Java clients every 5s by
default), or a healthy group between two commits looks stalled.

With --watch it observes every --interval until interrupted and judges over the last
--window (default 5m), printing a table (or a JSON document) per observation; an interrupt
ends it with exit status 0, a failed observation with 1.`,
		Example: `  # Cron / CI: fail when any group is not OK
  novatrek groups lag || alert "consumer groups not OK"

  # Two of our services, with every partition
  novatrek groups lag svc-payments svc-notifications --partitions

  # Also fail on groups nobody runs (ad-hoc consumers left behind)
  novatrek groups lag --include-inactive

  # Quicker check, for groups that commit every second
  novatrek groups lag --samples 2 --sample-interval 2s

  # Live view, judged over the last 5 minutes
  novatrek groups lag --watch --interval 10s

  # Machines
  novatrek groups lag -o json | jq -r '.[] | select(.status != "OK") | "\(.group) \(.status) \(.reason)"'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			return f.run(cmd.Context(), args, func(snap lag.Snapshot) error {
				judgeNamed(&snap, args)
				if f.output == "json" {
					if err := writeJSON(out, snap.Groups); err != nil {
						return err
					}
				} else {
					if f.watch {
						fmt.Fprintf(out, "\n%s\n", snap.At.Format(time.RFC3339))
					}
					if err := printGroupLag(out, snap.Groups, partitions); err != nil {
						return err
					}
					sampleNote(out, &f)
				}
				return notOK(snap.Groups, f.includeInactive)
			})
		},
	}
	f.register(cmd.Flags(), 3, 5*time.Second)
	cmd.Flags().BoolVar(&partitions, "partitions", false, "also list every partition (default: only the partitions that are not OK)")
	return cmd
}

func printGroupLag(out io.Writer, groups []lag.Group, all bool) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tTOPIC\tPARTITION\tSTATE\tMEMBERS/OWNER\tLAG\tLAG-SECONDS\tSTATUS\tREASON")
	for _, g := range groups {
		fmt.Fprintf(tw, "%s\t*\t*\t%s\t%d\t%d\t%s\t%s\t%s\n", g.Group, g.State, len(g.Members), g.Lag,
			secondsText(g.LagSeconds), g.Status, oneLine(g.Reason))
		for _, p := range g.Partitions {
			if !all && p.Status == lag.OK {
				continue
			}
			member := p.Member
			if member == "" {
				member = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t\t%s\t%d\t%s\t%s\t%s\n", g.Group, p.Topic, p.Partition, member, p.Lag,
				secondsText(p.LagSeconds), p.Status, oneLine(p.Reason))
		}
	}
	return tw.Flush()
}

// oneLine keeps a reason on its table row.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }
