package main

import "github.com/spf13/cobra"

func newGroupsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "groups",
		Short: "Inspect consumer groups (offsets, lag, members, status) and move their offsets",
		Long: `groups works on the consumer groups of the cluster at KAFKA_BROKERS: the support domain's
services and any other group. For our services the offsets that count are the ones stored in
the service's PostgreSQL schema, beside the inbox; the commands say which they show or change.

list, describe and lag exit 2 when a group they show is not OK (OK / EMPTY / WARN / STALL /
STOP / ERR, see 'groups lag --help'; groups nobody runs only with --include-inactive), 1 when
the cluster could not be observed.`,
		Example: `  # Every group with its lag and status
  novatrek groups list

  # One group's members and partitions
  novatrek groups describe svc-payments

  # Cron / CI: exit 2 when a group is not OK
  novatrek groups lag

  # Replay svc-payments from the start (dry run; add --execute once it is stopped)
  novatrek groups reset svc-payments --to-earliest`,
	}
	cmd.AddCommand(groupsCommands()...)
	return cmd
}
