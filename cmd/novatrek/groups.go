package main

import "github.com/spf13/cobra"

func init() { commands = append(commands, newGroupsCmd) }

// groupsCommands holds the constructors of the `groups` subcommands; each subcommand's file
// adds its own in an init function, as the top-level commands do.
var groupsCommands []func() *cobra.Command

func newGroupsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "groups",
		Short: "Inspect consumer groups (offsets, lag, members, status) and move their offsets",
		Long: `groups works on the consumer groups of the cluster at KAFKA_BROKERS: the support domain's
services and any other group. For our services the offsets that count are the ones stored in
the service's PostgreSQL schema, beside the inbox; the commands say which they show or change.`,
	}
	for _, c := range groupsCommands {
		cmd.AddCommand(c())
	}
	return cmd
}
