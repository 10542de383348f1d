package main

import "github.com/spf13/cobra"

// commands are novatrek's subcommands, built fresh for each root (tests build many); adding
// one is a line here. Cobra sorts them in help, so the order is only for the reader.
func commands() []*cobra.Command {
	return []*cobra.Command{
		newDevCmd(), newRunCmd(), newMigrateCmd(), newTopicsCmd(), newSchemasCmd(), newRegistryCmd(),
		newPublishCmd(), newConsumeCmd(), newGroupsCmd(), newLagExporterCmd(), newDLQCmd(),
		newSimulateCmd(), newStandinsCmd(), newAnalyticsCmd(), newConsoleCmd(), newBackupCmd(services), newRestoreCmd(services),
		newSoakCmd(), newWALArchiveCmd(services),
	}
}

// groupsCommands are the subcommands of `groups`; describe and reset read the services'
// schemas, so they get the list of services.
func groupsCommands() []*cobra.Command {
	return []*cobra.Command{
		newGroupsListCmd(), newGroupsDescribeCmd(services), newGroupsLagCmd(), newGroupsResetCmd(services),
	}
}
