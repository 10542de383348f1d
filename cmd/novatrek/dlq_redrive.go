package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/deadletter"
)

func newDLQRedriveCmd() *cobra.Command {
	var (
		f            dlqFlags
		ff           filterFlags
		all, execute bool
		again        bool
		by, note     string
	)
	cmd := &cobra.Command{
		Use:   "redrive GROUP",
		Short: "Send chosen dead letters back to their topic after a fix (a dry run unless --execute)",
		Long: `redrive sends the chosen dead letters of GROUP back to the topic and partition they came
from, with their original key, value and headers (the dlq.* headers stay, as history) plus
dlq.redrive.id, .at, .by, .from-topic, .from-partition and .from-offset. Choose them with the
same filters as 'dlq list' (--offsets, --reason, --kind, --topic, --since, --event-id) or
--all. Without --execute it only prints what would be sent where.

Every re-drive is recorded in PostgreSQL (DATABASE_URL), table novatrek_ops.redrives: one
row per record with the re-drive id, group, dead-letter position, target topic, partition
and offset, event id, reason, who (--by; default $USER, else the account this runs as, else unknown@<host>), when and --note. The rows are
written as pending before anything is sent and marked sent (with the offset) or failed
after the broker answers. A dead letter that was already re-driven is skipped and reported,
and so is the new dead letter a re-driven record became when it failed again, so running
the same command twice sends nothing the second time; --again sends them anyway (after a
second fix).

The stream runtime never puts a dead-lettered event id in its inbox, so the re-driven event
is applied when its handler now succeeds. If it fails again it becomes a new dead letter (a
new offset, with the dlq.redrive.* headers showing its history) that can be re-driven in
turn with --again. The producer is idempotent and waits for all in-sync replicas; the command exits
non-zero when a record could not be sent.`,
		Example: `  # What would a re-drive of the CHECK-constraint failures send? (dry run)
  novatrek dlq redrive svc-payments --reason 'violates check constraint'

  # Send dead letters 10 to 20 of partition 1 back, saying why
  novatrek dlq redrive svc-payments --offsets 1:10-20 --execute --note 'fixed in v1.4.2'

  # One event by id, even though it was re-driven before
  novatrek dlq redrive svc-payments --event-id 0b7d3c1e-5f1a-4c8e-9d2b-7a6f5e4d3c2b --again --execute

  # Everything from one topic, recorded as sent by the on-call engineer
  novatrek dlq redrive svc-payments --all --topic novatrek.booking.reservation.created --by oncall --execute`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			filter, err := ff.filter(time.Now())
			if err != nil {
				return err
			}
			if filter.Empty() && !all {
				return errors.New("choose the dead letters to re-drive with --offsets, --reason, --kind, --topic, --since or --event-id, or --all for every one")
			}
			if by == "" {
				return errors.New("--by is empty: say who re-drives, or leave --by out to take $USER or the account this runs as")
			}
			group := args[0]
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			sd, err := f.serde()
			if err != nil {
				return err
			}
			letters, err := f.read(ctx, sd, group, filter)
			if err != nil {
				return err
			}
			st, pool, err := f.store(ctx)
			if err != nil {
				return err
			}
			defer pool.Close()
			plan, err := st.Plan(ctx, deadletter.Request{Group: group, Letters: letters, By: by, Note: note, Again: again})
			if err != nil {
				return fmt.Errorf("planning the re-drive of %s: %w", group, err)
			}
			var runErr error
			if execute && plan.Count(deadletter.Send) > 0 {
				runErr = executeRedrive(ctx, &f, pool, st, plan)
			}
			if f.output == "json" {
				if err := writeRedriveJSON(cmd.OutOrStdout(), plan, execute); err != nil {
					return err
				}
			} else if err := writeRedriveText(cmd.OutOrStdout(), plan, execute); err != nil {
				return err
			}
			return runErr
		},
	}
	f.register(cmd.Flags())
	ff.register(cmd.Flags())
	cmd.Flags().BoolVar(&all, "all", false, "choose every dead letter (the filters still narrow it)")
	cmd.Flags().BoolVar(&execute, "execute", false, "send the records (default: dry run)")
	cmd.Flags().BoolVar(&again, "again", false, "also send dead letters that were re-driven before")
	cmd.Flags().StringVar(&by, "by", redriveActor(), "who re-drives, recorded with the re-drive ($USER, else the account this runs as)")
	cmd.Flags().StringVar(&note, "note", "", "why, recorded with the re-drive (e.g. the fix's release)")
	return cmd
}

// executeRedrive migrates the record table, then sends through an idempotent producer.
func executeRedrive(ctx context.Context, f *dlqFlags, pool *pgxpool.Pool, st *deadletter.Store, plan *deadletter.Redrive) error {
	if err := deadletter.Migrate(ctx, pool, deadletter.DefaultSchema); err != nil {
		return err
	}
	cl, err := kgo.NewClient(append(f.clientOpts(), deadletter.ProducerOpts()...)...)
	if err != nil {
		return fmt.Errorf("connecting to Kafka: %w", err)
	}
	defer cl.Close()
	if err := st.Execute(ctx, cl, plan); err != nil {
		return fmt.Errorf("re-drive %s of %s: %w", plan.ID, plan.Group, err)
	}
	return nil
}

func writeRedriveText(w io.Writer, rd *deadletter.Redrive, execute bool) error {
	mode := "dry run"
	if execute {
		mode = "executed"
	}
	fmt.Fprintf(w, "Re-drive %s of %s (%s): %d chosen\n\n", rd.ID, rd.Group, mode, len(rd.Items))
	if len(rd.Items) == 0 {
		_, err := fmt.Fprintln(w, "No dead letters match; nothing to send.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DLQ\tACTION\tTARGET\tEVENT ID\tKIND\tREASON")
	for i := range rd.Items {
		it := &rd.Items[i]
		l := &it.Letter
		fmt.Fprintf(tw, "%d:%d\t%s\t%s\t%s\t%s\t%s\n", l.At.Partition, l.At.Offset, actionText(it, execute),
			targetText(it), cmp.Or(l.EventID, "-"), cmp.Or(l.Kind, "-"), deadletter.Truncate(l.Reason, 50))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	send, redriven, invalid := rd.Count(deadletter.Send), rd.Count(deadletter.SkipRedriven), rd.Count(deadletter.SkipInvalid)
	fmt.Fprintln(w)
	if !execute {
		fmt.Fprintf(w, "Dry run: nothing sent. %d to send, %d already re-driven (use --again to send them), %d without a source.\n", send, redriven, invalid)
		if send > 0 {
			fmt.Fprintln(w, "Run with --execute to send them.")
		}
		return nil
	}
	sent, failed := 0, 0
	for i := range rd.Items {
		switch rd.Items[i].Record.Status {
		case deadletter.StatusSent:
			sent++
		case deadletter.StatusFailed:
			failed++
		}
	}
	_, err := fmt.Fprintf(w, "Sent %d, failed %d, skipped %d already re-driven and %d without a source. Recorded as re-drive %s in %s.redrives.\n",
		sent, failed, redriven, invalid, rd.ID, deadletter.DefaultSchema)
	return err
}

func actionText(it *deadletter.Item, execute bool) string {
	switch it.Action {
	case deadletter.SkipRedriven:
		p := it.Previous
		if p.DeadLetter != it.Letter.At {
			return fmt.Sprintf("skip: failed again after re-drive of %d:%d (%s by %s at %s)", p.DeadLetter.Partition,
				p.DeadLetter.Offset, p.Status, p.By, p.At.UTC().Format(time.RFC3339))
		}
		return fmt.Sprintf("skip: %s by %s at %s", p.Status, p.By, p.At.UTC().Format(time.RFC3339))
	case deadletter.SkipInvalid:
		return "skip: " + it.Problem
	}
	if !execute {
		return "would send"
	}
	switch it.Record.Status {
	case deadletter.StatusSent:
		return "sent"
	case deadletter.StatusFailed:
		return "FAILED: " + it.Record.Error
	}
	return it.Record.Status
}

func targetText(it *deadletter.Item) string {
	if it.Action == deadletter.SkipInvalid {
		return "-"
	}
	t := it.Record.Target
	if t.Offset >= 0 {
		return t.String()
	}
	return fmt.Sprintf("%s[%d]", t.Topic, t.Partition)
}

// itemJSON is one item of `dlq redrive -o json`.
type itemJSON struct {
	DeadLetter deadletter.Position `json:"dead_letter"`
	Action     deadletter.Action   `json:"action"`
	EventID    string              `json:"event_id,omitempty"`
	Target     deadletter.Position `json:"target"`
	Status     string              `json:"status,omitempty"`
	Error      string              `json:"error,omitempty"`
	Previous   *deadletter.Record  `json:"previous,omitempty"`
	Problem    string              `json:"problem,omitempty"`
}

func writeRedriveJSON(w io.Writer, rd *deadletter.Redrive, execute bool) error {
	out := struct {
		RedriveID string     `json:"redrive_id"`
		Group     string     `json:"group"`
		DryRun    bool       `json:"dry_run"`
		At        time.Time  `json:"at"`
		Items     []itemJSON `json:"items"`
	}{RedriveID: rd.ID, Group: rd.Group, DryRun: !execute, At: rd.At, Items: []itemJSON{}}
	for _, it := range rd.Items {
		out.Items = append(out.Items, itemJSON{
			DeadLetter: it.Letter.At, Action: it.Action, EventID: it.Letter.EventID, Target: it.Record.Target,
			Status: it.Record.Status, Error: it.Record.Error, Previous: it.Previous, Problem: it.Problem,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
