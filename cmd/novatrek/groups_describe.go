package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/ops/offsetreset"
	"github.com/novatrek/support/internal/platform/service"
)

// newGroupsDescribeCmd builds `groups describe`; svcs lists the services whose refused
// partitions are read from their PostgreSQL schema (the CLI's list; tests add the test
// processor).
func newGroupsDescribeCmd(svcs func() []service.Definition) *cobra.Command {
	var f groupsObserveFlags
	cmd := &cobra.Command{
		Use:   "describe GROUP",
		Short: "Show a consumer group's members and, per partition, offsets, lag, lag seconds and owner",
		Long: `describe shows one consumer group: its state, status and live members (client id, host and
what each consumes), then per topic and partition the committed offset, the log end (the last
stable offset, what a read-committed consumer can reach), the lag in records and in seconds
(age of the oldest unconsumed record), the partition's status and the member owning it.

Offsets shown are Kafka's committed offsets. Our services keep their real position in their
PostgreSQL schema and commit it to Kafka right after, so the two differ by at most a second.
For our services describe also reads, from DATABASE_URL, the partitions the service refuses
to consume because their stored offset is of another log (a new broker or recreated topic) or
beyond its end: those are STALL with the reason, until "novatrek groups reset" rebinds them.

Exit status: 0 when the group is OK, 2 when it is not (or the cluster does not know it), 1
when the cluster could not be observed. --watch runs until interrupted and then exits 0.`,
		Example: `  # One observation
  novatrek groups describe svc-notifications

  # Status from three observations five seconds apart (tells STALL and WARN too)
  novatrek groups describe svc-notifications --samples 3

  # As JSON
  novatrek groups describe svc-payments -o json | jq '.partitions[] | select(.lag > 0)'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			refusals := refusalReader(cmd.Context(), f.cfg.DatabaseURL, offsetreset.ServiceOf(svcs(), args[0]))
			defer refusals.close()
			return f.run(cmd.Context(), args, func(snap lag.Snapshot) error {
				if len(snap.Groups) != 1 {
					return fmt.Errorf("group %s: the cluster answered for %d groups", args[0], len(snap.Groups))
				}
				judgeNamed(&snap, args)
				refusals.mark(cmd.Context(), &snap.Groups[0], cmd.ErrOrStderr())
				g := snap.Groups[0]
				if f.output == "json" {
					if err := writeJSON(out, g); err != nil {
						return err
					}
					return notOK(snap.Groups, f.includeInactive)
				}
				if f.watch {
					fmt.Fprintf(out, "\n%s\n", snap.At.Format(time.RFC3339))
				}
				if err := printGroupDescription(out, g); err != nil {
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

func printGroupDescription(out io.Writer, g lag.Group) error {
	fmt.Fprintf(out, "Group:   %s\nState:   %s\nStatus:  %s (%s)\nLag:     %d records, oldest unconsumed %s\n",
		g.Group, g.State, g.Status, g.Reason, g.Lag, secondsText(g.LagSeconds))
	fmt.Fprintf(out, "Members: %d\n", len(g.Members))
	if len(g.Members) > 0 {
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  CLIENT-ID\tHOST\tMEMBER-ID\tASSIGNED")
		for _, m := range g.Members {
			var parts []string
			for _, t := range slices.Sorted(maps.Keys(m.Assigned)) {
				parts = append(parts, fmt.Sprintf("%s%v", t, m.Assigned[t]))
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", m.ClientID, m.Host, m.MemberID, strings.Join(parts, " "))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(g.Partitions) == 0 {
		_, err := fmt.Fprintln(out, "\nNo committed offsets and no assigned partitions.")
		return err
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TOPIC\tPARTITION\tCOMMITTED\tEND\tLAG\tLAG-SECONDS\tSTATUS\tMEMBER")
	for _, p := range g.Partitions {
		member := p.Member
		if member == "" {
			member = "-"
		} else if p.Host != "" {
			member += " (" + p.Host + ")"
		}
		status := p.Status.String()
		if p.Err != "" {
			status += ": " + p.Err
		}
		if p.Refused != "" {
			status += ": refused: " + p.Refused
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%s\t%s\t%s\n", p.Topic, p.Partition, offsetCell(p.Committed), p.End,
			p.Lag, secondsText(p.LagSeconds), status, member)
	}
	return tw.Flush()
}
