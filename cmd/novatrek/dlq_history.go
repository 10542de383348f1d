package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/ops/deadletter"
)

func newDLQHistoryCmd() *cobra.Command {
	var (
		f     dlqFlags
		limit int
	)
	cmd := &cobra.Command{
		Use:   "history GROUP",
		Short: "List the recorded re-drives of a group's dead letters, newest first",
		Long: `history prints the rows 'dlq redrive --execute' wrote to novatrek_ops.redrives in
PostgreSQL (DATABASE_URL): one per record sent back, with the re-drive id, when and by whom,
the dead letter, where it was sent (topic[partition]@offset), the event id, the status
(sent; failed with the error; pending when the outcome is unknown, which counts as sent)
and the note.`,
		Example: `  # The last 20 re-drives of svc-payments
  novatrek dlq history svc-payments --limit 20

  # Every record one re-drive sent, for jq
  novatrek dlq history svc-payments -o json | jq '.[] | select(.redrive_id == "01a20faa-5208-7e43-a0c8-150312c8a374")'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			if limit < 0 {
				return fmt.Errorf("--limit %d: want 0 (all) or more", limit)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			st, pool, err := f.store(ctx)
			if err != nil {
				return err
			}
			defer pool.Close()
			recs, err := st.History(ctx, args[0], limit)
			if err != nil {
				return err
			}
			if f.output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(append([]deadletter.Record{}, recs...))
			}
			return writeHistoryText(cmd.OutOrStdout(), args[0], recs)
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().IntVar(&limit, "limit", 100, "show at most this many rows (0: all)")
	return cmd
}

func writeHistoryText(w io.Writer, group string, recs []deadletter.Record) error {
	if len(recs) == 0 {
		_, err := fmt.Fprintf(w, "No re-drives of %s recorded.\n", group)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tREDRIVE ID\tBY\tDLQ\tTARGET\tEVENT ID\tSTATUS\tNOTE")
	for _, r := range recs {
		status := r.Status
		if r.Error != "" {
			status += ": " + deadletter.Truncate(r.Error, 60)
		}
		target := fmt.Sprintf("%s[%d]", r.Target.Topic, r.Target.Partition)
		if r.Target.Offset >= 0 {
			target = r.Target.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d:%d\t%s\t%s\t%s\t%s\n", r.At.UTC().Format(time.RFC3339), r.RedriveID, r.By,
			r.DeadLetter.Partition, r.DeadLetter.Offset, target, cmp.Or(r.EventID, "-"), status, r.Note)
	}
	return tw.Flush()
}
