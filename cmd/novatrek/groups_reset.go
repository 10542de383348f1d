package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/offsetreset"
	"github.com/novatrek/support/internal/ops/offsetspec"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream"
)

// groupsResetFlags are the flags of `groups reset`.
type groupsResetFlags struct {
	cfg        config.Config
	earliest   bool
	latest     bool
	datetime   string
	shift      int64
	offset     int64
	topics     []string
	partitions []int32
	execute    bool
	rebuild    bool
	timeout    time.Duration
}

// newGroupsResetCmd builds `groups reset`; svcs lists the services whose groups keep their
// offsets in PostgreSQL (the CLI's list; tests add the test processor).
func newGroupsResetCmd(svcs func() []service.Definition) *cobra.Command {
	f := &groupsResetFlags{cfg: config.FromEnv()}
	cmd := &cobra.Command{
		Use:   "reset GROUP (--to-datetime T | --to-earliest | --to-latest | --shift-by N | --to-offset N)",
		Short: "Move a consumer group's offsets to replay or skip events (dry run unless --execute)",
		Long: `reset moves the offsets of a stopped consumer group, per partition, and prints the old and
new offsets. Nothing changes without --execute, and --execute refuses while the group has live
members (stop the service first).

For one of our services the offsets that count are the ones stored in its PostgreSQL schema
(DATABASE_URL; they win on assignment), so reset moves those, and in the same transaction
forgets, in the service's inbox, the events it applied at or after the new offsets: exactly
those events are applied again on the next run, while a duplicate of an event applied before
the new offset (same event id at a later offset) stays skipped. It then commits the same
offsets to Kafka so lag tooling agrees. For any other group it commits Kafka offsets only.

Moving forward (--to-latest, a positive --shift-by) skips the events in between: they are
never applied.

Re-applied events run the handlers again: right for projections that upsert the latest state,
wrong for counters and appended rows, which count twice. --rebuild (with --to-earliest only,
for every topic and partition of the group) first empties the service's derived tables
(service.Spec.Rebuild) and its whole inbox, so the replay rebuilds them from scratch as they
were built live — from the events still retained.

Re-applied records reach the handlers marked as replays (stream Event.Replay), so a service
leaves out outputs that must not happen twice, such as notifications to guests; an output it
does enqueue again has the same event id as the first time (ids derive from the cause event),
which downstream inboxes skip within their retention (7 days).

Stored offsets are bound to the log they were written for (Kafka cluster id and topic id). A
service refuses a partition whose stored offset is of another log (a new broker, a wiped dev
data dir, a recreated topic) or beyond its end, and groups describe shows it STALL with the
reason; reset binds the new offsets to the cluster's current log and lifts the refusal, so the
restarted service resumes (see docs/replaying.md).

Offsets outside a partition's log are clamped into it. --topic defaults to every topic the
group consumes (topics.yaml for our services, plus every topic with a committed or stored
offset); --partition limits the reset to those partitions of each topic.`,
		Example: `  # What would replaying the last hour do? (dry run: prints old and new offsets)
  novatrek groups reset svc-analytics --to-datetime -1h

  # Replay from a point in time, for one topic, then apply it
  novatrek groups reset svc-analytics --to-datetime 2026-11-24T18:00:00Z \
      --topic novatrek.booking.reservation.created --execute

  # Rebuild a service's projections from every retained event
  novatrek groups reset svc-analytics --to-earliest --rebuild --execute

  # Skip a poison backlog on partition 3 (the skipped events are never applied)
  novatrek groups reset svc-payments --to-latest --topic novatrek.booking.reservation.created --partition 3 --execute

  # Step back 100 records on every partition
  novatrek groups reset svc-analytics --shift-by -100 --execute`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := f.spec(cmd, time.Now())
			if err != nil {
				return err
			}
			if err := f.cfg.Validate(); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			return f.run(ctx, cmd.OutOrStdout(), args[0], spec, svcs())
		},
	}
	fs := cmd.Flags()
	f.cfg.Flags(fs)
	fs.BoolVar(&f.earliest, "to-earliest", false, "move to the earliest retained offset of each partition")
	fs.BoolVar(&f.latest, "to-latest", false, "move to the end of each partition (skips everything not yet applied)")
	fs.StringVar(&f.datetime, "to-datetime", "", "move to the first record at or after this time: RFC 3339, a date, or a duration back from now (-1h, -2d)")
	fs.Int64Var(&f.shift, "shift-by", 0, "move each partition's current offset by N (negative: back)")
	fs.Int64Var(&f.offset, "to-offset", 0, "move to offset N on each chosen partition")
	fs.StringSliceVar(&f.topics, "topic", nil, "reset only this topic (repeatable; default every topic the group consumes)")
	fs.Int32SliceVar(&f.partitions, "partition", nil, "reset only these partitions of each topic (repeatable; default all)")
	fs.BoolVar(&f.execute, "execute", false, "apply the reset (default: dry run)")
	fs.BoolVar(&f.rebuild, "rebuild", false, "with --to-earliest: empty the service's derived tables and inbox first, in the same transaction")
	fs.DurationVar(&f.timeout, "timeout", time.Minute, "give up when Kafka or PostgreSQL has not answered by then")
	return cmd
}

// spec checks the flags' combination and returns the target.
func (f *groupsResetFlags) spec(cmd *cobra.Command, now time.Time) (offsetreset.Spec, error) {
	var s offsetreset.Spec
	var chosen []string
	changed := cmd.Flags().Changed
	if f.earliest {
		s.Earliest = true
		chosen = append(chosen, "--to-earliest")
	}
	if f.latest {
		s.Latest = true
		chosen = append(chosen, "--to-latest")
	}
	if changed("to-datetime") {
		sp, err := offsetspec.Parse(f.datetime, now)
		if err != nil {
			return s, fmt.Errorf("--to-datetime: %w", err)
		}
		if sp.Kind != offsetspec.Time {
			return s, fmt.Errorf("--to-datetime %q is not a time; want an RFC 3339 time (2026-11-24T18:00:00Z) or a duration back from now (-1h); for the ends and offsets use --to-earliest, --to-latest or --to-offset", f.datetime)
		}
		s.At = &sp.Time
		chosen = append(chosen, "--to-datetime")
	}
	if changed("shift-by") {
		s.Shift = &f.shift
		chosen = append(chosen, "--shift-by")
	}
	if changed("to-offset") {
		if f.offset < 0 {
			return s, fmt.Errorf("--to-offset %d is negative", f.offset)
		}
		s.Offset = &f.offset
		chosen = append(chosen, "--to-offset")
	}
	switch {
	case len(chosen) == 0:
		return s, errors.New("say where to move the group: one of --to-datetime, --to-earliest, --to-latest, --shift-by, --to-offset")
	case len(chosen) > 1:
		return s, fmt.Errorf("choose one target, got %s", strings.Join(chosen, " and "))
	}
	if f.rebuild {
		if !s.Earliest {
			return s, fmt.Errorf("--rebuild needs --to-earliest (a rebuild empties the projections, so it must replay everything), got %s", chosen[0])
		}
		if len(f.topics) > 0 || len(f.partitions) > 0 {
			return s, errors.New("--rebuild resets every topic and partition of the group; drop --topic and --partition (the emptied tables would lose the effects of the others)")
		}
	}
	for _, p := range f.partitions {
		if p < 0 {
			return s, fmt.Errorf("--partition %d is negative", p)
		}
	}
	return s, nil
}

func (f *groupsResetFlags) run(ctx context.Context, out io.Writer, group string, spec offsetreset.Spec, svcs []service.Definition) error {
	cl, err := kgo.NewClient(f.cfg.KafkaOpts()...)
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	svc := offsetreset.ServiceOf(svcs, group)
	if f.rebuild {
		if svc == nil {
			return fmt.Errorf("--rebuild: %s is not one of our services, so it has no tables to rebuild", group)
		}
		if svc.Rebuild == nil {
			return fmt.Errorf("--rebuild: %s does not implement a rebuild (its Spec declares no Rebuild): its tables are not all derived from events", group)
		}
	}

	described, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return fmt.Errorf("describe group %s: %w", group, err)
	}
	dg := described[group]
	if dg.Err != nil {
		return fmt.Errorf("describe group %s: %w", group, dg.Err)
	}
	committed, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		return fmt.Errorf("fetch committed offsets of %s: %w", group, err)
	}

	var stored map[string]map[int32]int64
	var pool *pgxpool.Pool
	if svc != nil {
		p, err := service.ConnectPostgres(ctx, f.cfg.DatabaseURL)
		if err != nil {
			return err
		}
		defer p.Close()
		pool = p
		if stored, err = stream.StoredOffsets(ctx, p, svc.Store.Schema, group); err != nil {
			if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == "42P01" {
				return fmt.Errorf("%w (has `novatrek migrate %s` been run against DATABASE_URL?)", err, group)
			}
			return err
		}
	}

	topics, skipped, err := offsetreset.ChooseTopics(ctx, adm, group, f.topics, svc != nil, dg, committed, stored)
	if err != nil {
		return err
	}
	rows, err := offsetreset.Plan(ctx, adm, group, topics, f.partitions, spec, committed, stored)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return fmt.Errorf("group %s: no partition of %v matches --partition %v", group, topics, f.partitions)
	}

	if svc != nil {
		fmt.Fprintf(out, "Group %s (our service; offsets stored in PostgreSQL schema %s): reset to %s\n", group, svc.Store.Schema, spec)
	} else {
		fmt.Fprintf(out, "Group %s (not one of our services; Kafka offsets only): reset to %s\n", group, spec)
	}
	for _, s := range skipped {
		fmt.Fprintf(out, "Note: %s\n", s)
	}
	printResetRows(out, rows, svc != nil)
	if f.rebuild {
		for _, r := range rows {
			if r.Start > 0 {
				fmt.Fprintf(out, "Warning: %s/%d starts at offset %d: events before it have expired and will be missing from the rebuilt tables.\n", r.Topic, r.Partition, r.Start)
			}
		}
	}

	if len(dg.Members) > 0 {
		msg := offsetreset.LiveMembers(group, dg.Members)
		if f.execute {
			return errors.New(msg)
		}
		fmt.Fprintf(out, "Note: %s; --execute will refuse until they stop.\n", msg)
	}
	if !f.execute {
		fmt.Fprintln(out, "Dry run: nothing changed. Add --execute to apply.")
		return nil
	}

	res, err := offsetreset.Execute(ctx, cl, offsetreset.Reset{Group: group, Topics: topics, Rows: rows,
		Service: svc, Pool: pool, Rebuild: f.rebuild, Recheck: refuseLiveMembers})
	if res.Stored {
		if f.rebuild {
			fmt.Fprintf(out, "Rebuild: %s's derived tables emptied and its inbox cleared (%d rows); every retained event will be applied again.\n", group, res.Cleared)
		} else {
			fmt.Fprintf(out, "Stored offsets moved for %d partitions; %d inbox rows forgotten: those events will be applied again on the next run.\n", res.Partitions, res.Rewind.Forgotten)
			if res.Rewind.Rebound > 0 {
				fmt.Fprintf(out, "%d partitions re-bound to the cluster's current log (a new broker or recreated topic); their inbox rows are kept, so an event applied before is not applied again.\n", res.Rewind.Rebound)
			}
			if res.Rewind.Unplaced > 0 {
				fmt.Fprintf(out, "Warning: %d inbox rows predate the inbox's positions; their events stay skipped if replayed (a --rebuild clears them).\n", res.Rewind.Unplaced)
			}
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Kafka committed offsets moved for %d partitions.\n", res.Partitions)
	return nil
}

// beforeMemberRecheck, when set, runs right before refuseLiveMembers describes the group;
// a test has a member join there. Nil outside tests.
var beforeMemberRecheck func()

// refuseLiveMembers is offsetreset.RefuseLiveMembers after the test hook.
func refuseLiveMembers(ctx context.Context, adm *kadm.Client, group string) error {
	if beforeMemberRecheck != nil {
		beforeMemberRecheck()
	}
	return offsetreset.RefuseLiveMembers(ctx, adm, group)
}

func printResetRows(out io.Writer, rows []offsetreset.Row, ours bool) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	num := func(n int64) string {
		if n < 0 {
			return "-"
		}
		return strconv.FormatInt(n, 10)
	}
	if ours {
		fmt.Fprintln(tw, "TOPIC\tPARTITION\tLOG-START\tLOG-END\tKAFKA-COMMITTED\tSTORED\tNEW\tNOTE")
	} else {
		fmt.Fprintln(tw, "TOPIC\tPARTITION\tLOG-START\tLOG-END\tCOMMITTED\tNEW\tNOTE")
	}
	for _, r := range rows {
		if ours {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Topic, r.Partition, num(r.Start), num(r.End), num(r.Committed), num(r.Stored), num(r.Next), r.Note)
		} else {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.Topic, r.Partition, num(r.Start), num(r.End), num(r.Committed), num(r.Next), r.Note)
		}
	}
	_ = tw.Flush()
}
