package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/processors/analytics"
)

// newAnalyticsCmd is `novatrek analytics`, svc-analytics' operator tools.
func newAnalyticsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "analytics", Short: "svc-analytics' operator tools (checksum)",
		Example: `  novatrek analytics checksum         # row counts and checksums of svc-analytics' tables`}
	cmd.AddCommand(newAnalyticsChecksumCmd())
	return cmd
}

// newAnalyticsChecksumCmd prints the fingerprint of every svc-analytics table: run it
// before and after `novatrek groups reset svc-analytics --to-earliest --rebuild --execute`
// and the replay; equal lines mean the rebuild reproduced the same rows.
func newAnalyticsChecksumCmd() *cobra.Command {
	cfg := config.FromEnv()
	cmd := &cobra.Command{
		Use:     "checksum",
		Example: `  novatrek analytics checksum         # svc-analytics' tables in DATABASE_URL (or Oracle with ANALYTICS_STORE=oracle)`,
		Short:   "Print the row count and checksum of each svc-analytics table",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			pool, err := service.ConnectPostgres(cmd.Context(), cfg.DatabaseURL)
			if err != nil {
				return err
			}
			defer pool.Close()
			sums, err := analytics.StoreChecksums(cmd.Context(), pool, os.Getenv)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "TABLE\tROWS\tCHECKSUM")
			for _, s := range sums {
				fmt.Fprintf(w, "%s\t%d\t%s\n", s.Table, s.Rows, s.Sum)
			}
			return w.Flush()
		},
	}
	cfg.Flags(cmd.Flags())
	return cmd
}
