package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/ops/deadletter"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/serde"
)

func newDLQCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "Browse a consumer group's dead letters and re-drive chosen ones after a fix",
		Long: `dlq works on the dead-letter topic of a consumer group, novatrek.support.dlq.GROUP, where
the stream runtime puts the records it could not handle, byte for byte, with headers saying
where each came from, why it failed and when.

  list     counts by kind, reason and source topic, then the dead letters one per line
  show     one dead letter in full: headers, key, value decoded to JSON
  redrive  send chosen dead letters back to their topic (a dry run unless --execute),
           each re-drive recorded in PostgreSQL (DATABASE_URL, schema novatrek_ops)
  history  the recorded re-drives, newest first

A dead letter is named by its partition and offset on the dead-letter topic, "P:O" (e.g.
1:42). --offsets takes ranges of them: 10-20 on every partition, 1:10-20 on partition 1.`,
		Example: `  # What svc-payments gave up on, by kind and reason
  novatrek dlq list svc-payments

  # One dead letter in full, value decoded
  novatrek dlq show svc-payments 0:42

  # After a fix: re-drive the permanent failures (dry run, then --execute)
  novatrek dlq redrive svc-payments --kind permanent
  novatrek dlq redrive svc-payments --kind permanent --execute --note 'fixed in v1.4.2'

  # Who re-drove what
  novatrek dlq history svc-payments`,
	}
	cmd.AddCommand(newDLQListCmd(), newDLQShowCmd(), newDLQRedriveCmd(), newDLQHistoryCmd())
	return cmd
}

// dlqFlags are the settings every dlq subcommand shares.
type dlqFlags struct {
	cfg     config.Config
	timeout time.Duration
	output  string
}

func (f *dlqFlags) register(fs *pflag.FlagSet) {
	f.cfg = config.FromEnv()
	f.cfg.Flags(fs)
	fs.DurationVar(&f.timeout, "timeout", time.Minute, "give up when Kafka, the registry or PostgreSQL has not answered by then")
	fs.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
}

func (f *dlqFlags) validate() error {
	if f.output != "text" && f.output != "json" {
		return fmt.Errorf("--output %q: want text or json", f.output)
	}
	return f.cfg.Validate()
}

// read reads group's dead letters that match filter from the configured cluster, up to the
// end of the topic as it is now, decoding their event ids through sd (from f.serde).
func (f *dlqFlags) read(ctx context.Context, sd *serde.Serde, group string, filter deadletter.Filter) ([]deadletter.Letter, error) {
	rd := deadletter.Reader{ClientOpts: f.clientOpts(), Serde: sd}
	letters, err := rd.Read(ctx, group, filter)
	if err != nil {
		return nil, fmt.Errorf("reading the dead letters of %s: %w", group, err)
	}
	return letters, nil
}

func (f *dlqFlags) clientOpts() []kgo.Opt {
	return f.cfg.KafkaOpts()
}

func (f *dlqFlags) serde() (*serde.Serde, error) {
	cl, err := sr.NewClient(sr.URLs(f.cfg.SchemaRegistryURL))
	if err != nil {
		return nil, fmt.Errorf("schema registry client for %s: %w", f.cfg.SchemaRegistryURL, err)
	}
	return serde.New(cl), nil
}

// store opens the re-drive records at DATABASE_URL; close the pool when done.
func (f *dlqFlags) store(ctx context.Context) (*deadletter.Store, *pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, f.cfg.DatabaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	return deadletter.NewStore(pool, deadletter.DefaultSchema), pool, nil
}

// filterFlags choose dead letters; list and redrive share them.
type filterFlags struct {
	reason, kind, topic, since, offsets string
	eventIDs                            []string
}

func (f *filterFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.reason, "reason", "", "failure message matches this regular expression (or substring), any case")
	fs.StringVar(&f.kind, "kind", "", "error kind: "+strings.Join(deadletter.Kinds, ", "))
	fs.StringVar(&f.topic, "topic", "", "source topic the record came from")
	fs.StringVar(&f.since, "since", "", "dead-lettered at or after: RFC 3339 time or duration back from now (2h, -30m)")
	fs.StringSliceVar(&f.eventIDs, "event-id", nil, "metadata.event_id of the value (repeatable, comma separated)")
	fs.StringVar(&f.offsets, "offsets", "", "dead-letter offsets: 10-20, 7, 30-, 1:10-20 (partition 1), comma separated")
}

func (f *filterFlags) filter(now time.Time) (deadletter.Filter, error) {
	out := deadletter.Filter{Reason: deadletter.ParseReason(f.reason), Topic: f.topic, EventIDs: f.eventIDs}
	var err error
	if out.Kind, err = deadletter.ParseKind(f.kind); err != nil {
		return out, fmt.Errorf("--kind: %w", err)
	}
	if out.Since, err = deadletter.ParseSince(f.since, now); err != nil {
		return out, err
	}
	if f.offsets != "" {
		if out.Offsets, err = deadletter.ParseRanges(f.offsets); err != nil {
			return out, err
		}
	}
	return out, nil
}
