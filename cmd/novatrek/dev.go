package main

import (
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/config"
	"github.com/novatrek/support/internal/devstack"
)

func init() { commands = append(commands, newDevCmd) }

func newDevCmd() *cobra.Command {
	cfg := config.FromEnv()
	var noChildServers, syncWrites bool
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole platform in one process: Kafka, schema registry, stores, every service",
		Long: `dev starts, in this process, an embedded Kafka broker and a schema registry (both
persisted in the data dir), creates every topic of topics.yaml, registers every schema,
connects to PostgreSQL and Valkey (starting throwaway servers in the data dir when none
answers and the binaries are installed), migrates every service's store and starts every
service. Ctrl-C stops it; a restart keeps topics, records, offsets and schema ids.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := devstack.FromConfig(cfg)
			if err != nil {
				return err
			}
			dc.Services = services()
			dc.Logger = cliLogger(cmd.ErrOrStderr())
			dc.Banner = cmd.OutOrStdout()
			dc.NoChildServers = noChildServers
			dc.KafkaSyncWrites = syncWrites
			return devstack.Run(cmd.Context(), dc)
		},
	}
	cfg.Flags(cmd.Flags())
	cmd.Flags().BoolVar(&noChildServers, "no-child-servers", false, "fail instead of starting PostgreSQL/Valkey when none answers")
	cmd.Flags().BoolVar(&syncWrites, "kafka-sync-writes", false, "fsync every produced batch (survives a machine crash, slower)")
	return cmd
}

// cliLogger is the text logger of the long-running commands.
func cliLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
