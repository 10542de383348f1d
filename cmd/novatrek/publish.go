package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/publish"
)

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

All input is checked before anything is sent; then it is read again and sent in batches of
1,000, so memory stays flat however big the input (stdin is copied to a temporary file for
the second read). A bad line is reported with its line
number and field ("line 3: total_price.currency: expected string, got number") and then nothing
at all is sent, so a fixed file can simply be published again. With --continue-on-error the
good lines are sent and the bad ones reported. Blank lines are skipped. A summary (sent,
failed, rejected) goes to stderr, failed sends named by input line; the exit status is
non-zero if any line was not sent.`,
		Example: `  # publish a file of events
  novatrek publish --topic novatrek.booking.reservation.created --file reservations.jsonl

  # one event from stdin; metadata is filled in
  echo '{"reservation_id":"…","guest_id":"…",…}' | novatrek publish --topic novatrek.booking.reservation.created

  # check a file without sending anything
  novatrek publish --topic novatrek.guest-identity.guest.registered --file guests.jsonl --dry-run

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

// publishBatch bounds the records publish encodes and sends at a time (and their bytes,
// publishBatchBytes), so memory stays flat however long the input is.
const (
	publishBatch      = 1000
	publishBatchBytes = 16 << 20
)

// badLine is a rejected input line.
type badLine struct {
	line int
	err  error
}

// lineCheck is what the checking pass learned: how many lines fit, and the bad ones (the
// first maxReported kept, all counted).
type lineCheck struct {
	good, bad int
	first     []badLine
}

func runPublish(ctx context.Context, cmd *cobra.Command, f *publishFlags) error {
	if err := f.cfg.Validate(); err != nil {
		return err
	}
	in := newPublishInput(f.file, cmd.InOrStdin())
	defer in.close()
	cl, err := kgo.NewClient(append(f.cfg.KafkaOpts(),
		kgo.RecordDeliveryTimeout(f.timeout),
		kgo.DefaultProduceTopic(f.topic),
	)...)
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
	check, err := checkLines(ctx, pub, f, in)
	if err != nil {
		return fmt.Errorf("reading %s: %w", in.name, err)
	}
	stderr := cmd.ErrOrStderr()
	for _, b := range check.first {
		fmt.Fprintf(stderr, "line %d: %v\n", b.line, b.err)
	}
	if check.bad > len(check.first) {
		fmt.Fprintf(stderr, "… and %d more bad lines\n", check.bad-len(check.first))
	}
	switch {
	case check.bad > 0 && !f.continueOnError:
		b := check.first[0]
		return fmt.Errorf("%s: %d of %d lines are bad (first: line %d: %v); nothing sent", in.name, check.bad, check.bad+check.good, b.line, b.err)
	case f.dryRun:
		fmt.Fprintf(stderr, "dry run: %d lines fit %s, %d rejected; nothing sent\n", check.good, f.topic, check.bad)
		return nil
	}
	sent, failed, err := sendLines(ctx, pub, f, in, stderr)
	fmt.Fprintf(stderr, "%d sent to %s, %d failed, %d lines rejected\n", sent, f.topic, failed, check.bad)
	if err != nil {
		return fmt.Errorf("reading %s: %w", in.name, err)
	}
	if failed > 0 || check.bad > 0 {
		return fmt.Errorf("%d of %d lines not published", failed+check.bad, check.good+check.bad)
	}
	return nil
}

// checkLines is the first pass: it checks every non-blank line against the topic's schema
// and keeps nothing but the verdicts. Read and registry errors end it.
func checkLines(ctx context.Context, pub *publish.Publisher, f *publishFlags, in *publishInput) (lineCheck, error) {
	r, err := in.first()
	if err != nil {
		return lineCheck{}, err
	}
	defer r.Close()
	var c lineCheck
	err = eachLine(r, func(n int, line []byte) error {
		_, err := prepareLine(ctx, pub, f, n, line)
		var bad badLine
		switch {
		case errors.As(err, &bad):
			c.bad++
			if len(c.first) < maxReported {
				c.first = append(c.first, bad)
			}
			return nil
		case err != nil:
			return err
		}
		c.good++
		return nil
	})
	return c, err
}

// sendLines is the second pass: it reads the input again and encodes and sends the good
// lines in batches of publishBatch, reporting failed sends by input line. Lines that do not
// fit (reported by the first pass) are skipped.
func sendLines(ctx context.Context, pub *publish.Publisher, f *publishFlags, in *publishInput, stderr io.Writer) (sent, failed int, err error) {
	r, err := in.second()
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	var (
		recs []*kgo.Record
		nums []int // input line of each of recs
		size int
	)
	flush := func() {
		for i, err := range pub.Send(ctx, recs...) {
			if err == nil {
				sent++
				continue
			}
			failed++
			if failed <= maxReported {
				fmt.Fprintf(stderr, "line %d: %v\n", nums[i], err)
			}
		}
		recs, nums, size = recs[:0], nums[:0], 0
	}
	err = eachLine(r, func(n int, line []byte) error {
		rec, err := prepareLine(ctx, pub, f, n, line)
		if errors.As(err, new(badLine)) {
			return nil // reported by the first pass
		}
		if err != nil {
			return err
		}
		recs, nums = append(recs, rec), append(nums, n)
		size += len(rec.Key) + len(rec.Value)
		if len(recs) == publishBatch || size >= publishBatchBytes {
			flush()
		}
		return nil
	})
	if len(recs) > 0 {
		flush()
	}
	return sent, failed, err
}

// prepareLine checks and encodes line n. A line that does not fit is a badLine error; a
// registry failure is not the line's fault and is returned as it is, to stop the run.
func prepareLine(ctx context.Context, pub *publish.Publisher, f *publishFlags, n int, line []byte) (*kgo.Record, error) {
	rec, err := pub.PrepareJSON(ctx, f.topic, line, f.keyField)
	switch {
	case errors.Is(err, serde.ErrRegistry) || errors.Is(err, serde.ErrUnknownSchema) || errors.Is(err, serde.ErrIncompatible):
		return nil, fmt.Errorf("line %d: %w", n, err)
	case err != nil:
		return nil, badLine{line: n, err: err}
	}
	return rec, nil
}

func (b badLine) Error() string { return fmt.Sprintf("line %d: %v", b.line, b.err) }
