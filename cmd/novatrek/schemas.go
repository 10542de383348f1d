package main

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/ops/subjects"
	"github.com/novatrek/support/internal/platform/config"
)

func newSchemasCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schemas",
		Short: "Check schema evolution offline and register schemas in the schema registry",
		Example: `  novatrek schemas check                # offline, in CI
  novatrek schemas register             # into SCHEMA_REGISTRY_URL`,
	}
	cmd.AddCommand(newSchemasCheckCmd(), newSchemasRegisterCmd())
	return cmd
}

func newSchemasCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "check",
		Example: `  novatrek schemas check          # offline; exit 1 naming the field and versions that break`,
		Short:   "Verify every schema version against all earlier ones under its topics' compatibility modes (offline)",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			results, err := subjects.DefaultCheck()
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "SCHEMA\tVERSIONS\tMODES\tRESULT")
			for _, r := range results {
				verdict := "ok"
				if r.Err != nil {
					verdict = "INCOMPATIBLE"
				}
				modes := make([]string, len(r.Modes))
				for i, m := range r.Modes {
					modes[i] = string(m)
				}
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", r.Schema, r.Versions, strings.Join(modes, ","), verdict)
			}
			if ferr := w.Flush(); ferr != nil {
				return ferr
			}
			if err != nil {
				return fmt.Errorf("schemas check failed:\n%w", err)
			}
			return nil
		},
	}
}

func newSchemasRegisterCmd() *cobra.Command {
	cfg := config.FromEnv()
	var topics []string
	cmd := &cobra.Command{
		Use: "register",
		Example: `  novatrek schemas register                                   # into SCHEMA_REGISTRY_URL
  novatrek schemas register --registry http://registry:8081`,
		Short: "Register every version of every topic's schema under <topic>-value, setting each subject's compatibility first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			subs, err := subjects.DefaultPlan()
			if err != nil {
				return err
			}
			if len(topics) > 0 {
				subs, err = onlyTopics(subs, topics)
				if err != nil {
					return err
				}
			}
			cl, err := sr.NewClient(sr.URLs(cfg.SchemaRegistryURL))
			if err != nil {
				return fmt.Errorf("creating schema registry client: %w", err)
			}
			regs, err := subjects.Register(cmd.Context(), cl, subs, cliLogger(cmd.ErrOrStderr()))
			if len(regs) == 0 {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "SUBJECT\tSCHEMA\tVERSION\tREGISTRY VERSION\tID")
			for _, r := range regs {
				fmt.Fprintf(w, "%s\t%s\tv%d\t%d\t%d\n", r.Subject, r.Schema, r.Version, r.RegistryVersion, r.ID)
			}
			if ferr := w.Flush(); ferr != nil {
				return ferr
			}
			return err
		},
	}
	cfg.Flags(cmd.Flags())
	cmd.Flags().StringSliceVar(&topics, "topic", nil, "register only these topics' subjects (default all)")
	return cmd
}

func onlyTopics(subs []subjects.Subject, topics []string) ([]subjects.Subject, error) {
	var out []subjects.Subject
	for _, t := range topics {
		i := slices.IndexFunc(subs, func(s subjects.Subject) bool { return s.Topic == t })
		if i < 0 {
			return nil, fmt.Errorf("topic %q has no value schema in topics.yaml", t)
		}
		out = append(out, subs[i])
	}
	return out, nil
}
