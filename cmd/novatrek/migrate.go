package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/service"
)

func newMigrateCmd() *cobra.Command {
	cfg := config.FromEnv()
	cmd := &cobra.Command{
		Use: "migrate [service...]",
		Example: `  novatrek migrate                    # every service's schema in DATABASE_URL
  novatrek migrate svc-payments       # one service
  DATABASE_URL=postgres://admin@db/novatrek novatrek migrate svc-payments svc-notifications`,
		Short: "Apply the migrations of the named services (default all) to DATABASE_URL",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			all := services()
			if len(all) == 0 && len(args) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no services are implemented yet; nothing to migrate")
				return nil
			}
			chosen := all
			if len(args) > 0 {
				chosen = nil
				for _, name := range args { // an unknown name is an error listing the known ones
					svc, err := service.LookupDefinition(all, name)
					if err != nil {
						return err
					}
					chosen = append(chosen, svc)
				}
			}
			pool, err := service.ConnectPostgres(cmd.Context(), cfg.DatabaseURL)
			if err != nil {
				return err
			}
			defer pool.Close()
			return runner.Migrate(cmd.Context(), pool, cliLogger(cmd.ErrOrStderr()), chosen...)
		},
	}
	cfg.Flags(cmd.Flags())
	return cmd
}
