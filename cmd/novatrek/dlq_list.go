package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/ops/deadletter"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/topology"
)

func newDLQListCmd() *cobra.Command {
	var (
		f        dlqFlags
		ff       filterFlags
		redrives bool
	)
	cmd := &cobra.Command{
		Use:   "list GROUP",
		Short: "Summarize a group's dead letters and list them one per line",
		Long: `list reads the whole dead-letter topic of GROUP (up to its end when the command starts) and
prints counts by error kind, reason and source topic, the oldest and newest, then one line per
dead letter: its position P:O on the dead-letter topic, where it came from, its event id (when
the value decodes through the registry), kind, time and reason (cut to fit).

The REDRIVEN column says whether a dead letter was already sent back by 'dlq redrive', from
the records in PostgreSQL (DATABASE_URL); when the database cannot be reached the column is
left out with a warning. AGAIN counts the re-drives the record went through before failing
again (its dlq.redrive.id headers).

The filters narrow both the summary and the lines; all of them must match.`,
		Example: `  # Everything svc-payments gave up on
  novatrek dlq list svc-payments

  # Only permanent failures from one topic in the last two hours
  novatrek dlq list svc-payments --kind permanent --topic novatrek.booking.reservation.created --since 2h

  # Reasons matching a regular expression, offsets 10 to 20 of partition 1, for jq
  novatrek dlq list svc-payments --reason 'SQLSTATE 23\d{3}' --offsets 1:10-20 -o json | jq '.dead_letters[].event_id'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			filter, err := ff.filter(time.Now())
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			group := args[0]
			sd, err := f.serde()
			if err != nil {
				return err
			}
			letters, err := f.read(ctx, sd, group, filter)
			if err != nil {
				return err
			}
			warnUndecodable(cmd.ErrOrStderr(), letters)
			var sent map[deadletter.Position]deadletter.Record
			if redrives {
				sent = f.redriven(ctx, cmd.ErrOrStderr(), group)
			}
			slices.SortStableFunc(letters, func(a, b deadletter.Letter) int { return a.Time.Compare(b.Time) })
			if f.output == "json" {
				return writeListJSON(cmd.OutOrStdout(), group, letters, sent)
			}
			return writeListText(cmd.OutOrStdout(), group, letters, sent)
		},
	}
	f.register(cmd.Flags())
	ff.register(cmd.Flags())
	cmd.Flags().BoolVar(&redrives, "redrives", true, "look up in PostgreSQL which dead letters were already re-driven")
	return cmd
}

// redriven returns the re-drive records of group's dead letters, or nil (after a warning)
// when PostgreSQL cannot say.
func (f *dlqFlags) redriven(ctx context.Context, stderr io.Writer, group string) map[deadletter.Position]deadletter.Record {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	st, pool, err := f.store(ctx)
	if err == nil {
		defer pool.Close()
		var sent map[deadletter.Position]deadletter.Record
		if sent, err = st.Sent(ctx, topology.DeadLetterTopic(group)); err == nil {
			return sent
		}
	}
	fmt.Fprintf(stderr, "warning: not showing which dead letters were re-driven: %v\n", err)
	return nil
}

// warnUndecodable says once when the registry could not be asked, since every event id
// is then missing for a reason that is not the records'.
func warnUndecodable(stderr io.Writer, letters []deadletter.Letter) {
	for i := range letters {
		if errors.Is(letters[i].DecodeErr, serde.ErrRegistry) {
			fmt.Fprintf(stderr, "warning: event ids missing, the schema registry did not answer: %v\n", letters[i].DecodeErr)
			return
		}
	}
}

func writeListText(w io.Writer, group string, letters []deadletter.Letter, sent map[deadletter.Position]deadletter.Record) error {
	s := deadletter.Summarize(letters)
	topic := topology.DeadLetterTopic(group)
	if s.Total == 0 {
		_, err := fmt.Fprintf(w, "No dead letters of %s (%s) match.\n", group, topic)
		return err
	}
	fmt.Fprintf(w, "%d dead letters of %s (%s), dead-lettered %s … %s\n",
		s.Total, group, topic, s.Oldest.UTC().Format(time.RFC3339), s.Newest.UTC().Format(time.RFC3339))
	if s.Redriven > 0 {
		fmt.Fprintf(w, "%d of them failed again after an earlier re-drive.\n", s.Redriven)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, part := range []struct {
		title  string
		counts []deadletter.Count
	}{{"By kind", s.ByKind}, {"By reason", s.ByReason}, {"By source topic", s.ByTopic}} {
		fmt.Fprintf(tw, "\n%s:\n", part.title)
		for _, c := range part.counts {
			fmt.Fprintf(tw, "  %d\t%s\n", c.Count, cmp.Or(c.Value, "(none)"))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "DLQ\tSOURCE\tEVENT ID\tKIND\tDEAD-LETTERED\tAGAIN\t"
	if sent != nil {
		head += "REDRIVEN\t"
	}
	fmt.Fprintln(tw, head+"REASON")
	for i := range letters {
		l := &letters[i]
		line := fmt.Sprintf("%d:%d\t%s\t%s\t%s\t%s\t%d\t", l.At.Partition, l.At.Offset, sourceText(l),
			cmp.Or(l.EventID, "-"), cmp.Or(l.Kind, "-"), l.Time.UTC().Format(time.RFC3339), l.Redrives)
		if sent != nil {
			line += redrivenText(sent, l) + "\t"
		}
		fmt.Fprintln(tw, line+deadletter.Truncate(l.Reason, 60))
	}
	return tw.Flush()
}

func sourceText(l *deadletter.Letter) string {
	if l.Source.Topic == "" {
		return "?"
	}
	return l.Source.String()
}

func redrivenText(sent map[deadletter.Position]deadletter.Record, l *deadletter.Letter) string {
	r, ok := sent[l.At]
	if !ok {
		return "-"
	}
	return r.Status + " " + r.At.UTC().Format(time.RFC3339) + " by " + r.By
}

// letterJSON is a dead letter as `dlq list -o json` prints it.
type letterJSON struct {
	DeadLetter  deadletter.Position `json:"dead_letter"`
	Source      deadletter.Position `json:"source"`
	SourceTime  time.Time           `json:"source_time,omitzero"`
	Group       string              `json:"group"`
	EventID     string              `json:"event_id,omitempty"`
	Key         string              `json:"key"`
	Kind        string              `json:"kind"`
	Reason      string              `json:"reason"`
	Time        time.Time           `json:"time"`
	Again       int                 `json:"redrives_before"`
	Redriven    *deadletter.Record  `json:"redriven,omitempty"`
	Problems    []string            `json:"problems,omitempty"`
	DecodeError string              `json:"decode_error,omitempty"`
}

func toLetterJSON(l *deadletter.Letter, sent map[deadletter.Position]deadletter.Record) letterJSON {
	j := letterJSON{
		DeadLetter: l.At, Source: l.Source, SourceTime: l.SourceTime, Group: l.Group,
		EventID: l.EventID, Key: l.KeyText(), Kind: l.Kind, Reason: l.Reason, Time: l.Time,
		Again: l.Redrives, Problems: l.Problems,
	}
	if r, ok := sent[l.At]; ok {
		j.Redriven = &r
	}
	if l.DecodeErr != nil {
		j.DecodeError = l.DecodeErr.Error()
	}
	return j
}

func writeListJSON(w io.Writer, group string, letters []deadletter.Letter, sent map[deadletter.Position]deadletter.Record) error {
	out := struct {
		Group       string             `json:"group"`
		Topic       string             `json:"topic"`
		Summary     deadletter.Summary `json:"summary"`
		DeadLetters []letterJSON       `json:"dead_letters"`
	}{Group: group, Topic: topology.DeadLetterTopic(group), Summary: deadletter.Summarize(letters), DeadLetters: []letterJSON{}}
	for i := range letters {
		out.DeadLetters = append(out.DeadLetters, toLetterJSON(&letters[i], sent))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
