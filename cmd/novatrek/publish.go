package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/config"
	"github.com/novatrek/support/internal/serde"
	"github.com/novatrek/support/publish"
)

func init() { commands = append(commands, newPublishCmd) }

// maxLine bounds one JSON line of publish input.
const maxLine = 8 << 20

// maxReported bounds how many bad lines publish lists before summarising the rest.
const maxReported = 20

type publishFlags struct {
	cfg             config.Config
	topic           string
	file            string
	keyField        string
	producer        string
	continueOnError bool
	dryRun          bool
	timeout         time.Duration
}

func newPublishCmd() *cobra.Command {
	f := &publishFlags{cfg: config.FromEnv()}
	cmd := &cobra.Command{
		Use:   "publish --topic T [--file events.jsonl]",
		Short: "Publish JSON lines to a topic as Avro events, checked against its schema",
		Long: `publish reads one JSON object per line (from --file, or stdin) and sends each to the topic
as an event: checked against the latest version of the topic's value schema (topics.yaml
value_schema), encoded as Avro in the Confluent wire format with the registered schema id,
keyed by the topic's key field (topics.yaml key, e.g. reservation_id; --key-field overrides,
dotted for nested fields) and produced idempotently with acks from all in-sync replicas.

The JSON is the natural form consume prints: enums as symbols, decimals as strings ("12.50"),
timestamps as RFC 3339, dates as 2006-01-02, unions as the plain value or null, bytes as base64.
Omitted fields with a schema default take it. Metadata left out is filled in: event_id a new
UUID, event_type from the topic name (reservation.created), occurred_at now, producer
--producer, correlation_id the event_id; causation_id stays null.

All input is read and checked before anything is sent. A bad line is reported with its line
number and field ("line 3: total_price.currency: expected string, got number") and then nothing
at all is sent, so a fixed file can simply be published again. With --continue-on-error the
good lines are sent and the bad ones reported. Blank lines are skipped. A summary (sent,
failed, rejected) goes to stderr; the exit status is non-zero if any line was not sent.`,
		Example: `  # publish a file of events
  novatrek publish --topic novatrek.booking.reservation.created --file reservations.jsonl

  # one event from stdin; metadata is filled in
  echo '{"reservation_id":"…","guest_id":"…",…}' | novatrek publish --topic novatrek.booking.reservation.created

  # check a file without sending anything
  novatrek publish --topic novatrek.guest.guest.registered --file guests.jsonl --dry-run

  # replay what consume printed into another cluster, skipping lines that no longer fit
  novatrek consume --topic T --value-only | novatrek publish --topic T --brokers other:9092 --continue-on-error`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPublish(cmd.Context(), cmd, f)
		},
	}
	fs := cmd.Flags()
	f.cfg.Flags(fs)
	fs.StringVarP(&f.topic, "topic", "t", "", "topic to publish to (required)")
	fs.StringVarP(&f.file, "file", "f", "-", "JSON lines file to read; - is stdin")
	fs.StringVar(&f.keyField, "key-field", "", "field whose value is the record key (default: the topic's key in topics.yaml)")
	fs.StringVar(&f.producer, "producer", "novatrek-cli", "metadata.producer of events that do not name one")
	fs.BoolVar(&f.continueOnError, "continue-on-error", false, "send the good lines even when some are bad")
	fs.BoolVar(&f.dryRun, "dry-run", false, "check every line and send nothing")
	fs.DurationVar(&f.timeout, "timeout", time.Minute, "fail records the brokers have not acknowledged by then")
	_ = cmd.MarkFlagRequired("topic")
	return cmd
}

// badLine is a rejected input line.
type badLine struct {
	line int
	err  error
}

func runPublish(ctx context.Context, cmd *cobra.Command, f *publishFlags) error {
	if err := f.cfg.Validate(); err != nil {
		return err
	}
	in := cmd.InOrStdin()
	name := "stdin"
	if f.file != "-" {
		file, err := os.Open(f.file)
		if err != nil {
			return fmt.Errorf("opening input: %w", err)
		}
		defer file.Close()
		in, name = file, f.file
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(f.cfg.KafkaBrokers...),
		kgo.RecordDeliveryTimeout(f.timeout),
		kgo.DefaultProduceTopic(f.topic),
	)
	if err != nil {
		return fmt.Errorf("connecting to Kafka at %v: %w", f.cfg.KafkaBrokers, err)
	}
	defer cl.Close()
	pub, err := publish.New(cl, f.cfg.SchemaRegistryURL, publish.Producer(f.producer))
	if err != nil {
		return err
	}
	if _, err := pub.Topic(f.topic); err != nil {
		return err
	}
	recs, bad, err := prepareLines(ctx, pub, f, in)
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	stderr := cmd.ErrOrStderr()
	for i, b := range bad {
		if i == maxReported {
			fmt.Fprintf(stderr, "… and %d more bad lines\n", len(bad)-maxReported)
			break
		}
		fmt.Fprintf(stderr, "line %d: %v\n", b.line, b.err)
	}
	switch {
	case len(bad) > 0 && !f.continueOnError:
		return fmt.Errorf("%s: %d of %d lines are bad (first: line %d: %v); nothing sent", name, len(bad), len(bad)+len(recs), bad[0].line, bad[0].err)
	case f.dryRun:
		fmt.Fprintf(stderr, "dry run: %d lines fit %s, %d rejected; nothing sent\n", len(recs), f.topic, len(bad))
		return nil
	}
	failed := 0
	for i, err := range pub.Send(ctx, recs...) {
		if err != nil {
			failed++
			if failed <= maxReported {
				fmt.Fprintf(stderr, "record %d: %v\n", i+1, err)
			}
		}
	}
	fmt.Fprintf(stderr, "%d sent to %s, %d failed, %d lines rejected\n", len(recs)-failed, f.topic, failed, len(bad))
	if failed > 0 || len(bad) > 0 {
		return fmt.Errorf("%d of %d lines not published", failed+len(bad), len(recs)+len(bad))
	}
	return nil
}

// prepareLines checks and encodes every non-blank line; read errors end it.
func prepareLines(ctx context.Context, pub *publish.Publisher, f *publishFlags, in io.Reader) ([]*kgo.Record, []badLine, error) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var (
		recs []*kgo.Record
		bad  []badLine
	)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		rec, err := pub.PrepareJSON(ctx, f.topic, line, f.keyField)
		if errors.Is(err, serde.ErrRegistry) || errors.Is(err, serde.ErrUnknownSchema) || errors.Is(err, serde.ErrIncompatible) {
			return nil, nil, fmt.Errorf("line %d: %w", n, err) // not the line's fault: stop
		}
		if err != nil {
			bad = append(bad, badLine{line: n, err: err})
			continue
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, nil, fmt.Errorf("line %d is longer than %d bytes", n+1, maxLine)
		}
		return nil, nil, err
	}
	return recs, bad, nil
}
