package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/ops/offsetspec"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/serde"
)

// consumeChunk bounds the records one decoding job gets, so a big fetch spreads over cores.
const consumeChunk = 512

// consumeFetchWait is how long a broker may hold a fetch when it has no data (kgo's default
// is 5s). Shorter, so a partition whose range ends in records nobody can see is found quiet
// after several fetch rounds instead of one.
const consumeFetchWait = 500 * time.Millisecond

// consumeDrainWait is how long a bounded partition may deliver nothing, with all of its range
// in the log, before it counts as read to its end (see drainedPartitions).
const consumeDrainWait = 5 * time.Second

type consumeFlags struct {
	cfg        config.Config
	topic      string
	from, to   string
	partitions []int32
	key        string
	follow     bool
	count      int
	isolation  string
	valueOnly  bool
	timeout    time.Duration
}

func newConsumeCmd() *cobra.Command {
	f := &consumeFlags{cfg: config.FromEnv()}
	cmd := &cobra.Command{
		Use:   "consume --topic T",
		Short: "Print a topic's records as JSON lines, decoded through the schema registry",
		Long: `consume reads a topic and prints one JSON object per record on stdout:

  {"topic":…,"partition":…,"offset":…,"timestamp":…,"key":…,"headers":[{"key":…,"value":…}],
   "schema_id":…,"value":{…}}

Values are decoded with their writer schema (fetched by id from the registry) into natural JSON:
enums as symbols, decimals as strings ("1299.0000"), timestamps as RFC 3339, unions as the plain
value. --value-only prints just the value. A record that does not decode is printed with
"error" and its raw bytes as "value_base64" — never skipped — so dead-letter topics show their
headers (dlq.error, dlq.source.*) and whatever of the value can be read. Keys and header values
that are not UTF-8 appear as key_base64 / value_base64.

The range is [--from, --to): --from is inclusive, --to exclusive. Each takes start, end, an
offset (the same in every partition), an RFC 3339 time or date, or a duration back from now
(-1h, -30m, -2d). A time bound also filters by record timestamp, so a time range returns exactly
the records stamped inside it. Without --to, consume stops at the end offsets it saw when it
started; --follow keeps waiting for new records (until --to, --count or Ctrl-C). Bounds past a
partition's end are capped at it (nothing is waited for); with --follow a --from past the end
waits there. If the schema registry does not answer (4 attempts, about 2 s), consume stops
with an error instead of printing records as undecodable.

Read-committed by default: records of open or aborted transactions are not shown
(--isolation read_uncommitted shows them). Records of one partition are printed in offset order;
partitions interleave.`,
		Example: `  # every record of a topic, pretty-printed by jq
  novatrek consume --topic novatrek.booking.reservation.created | jq .

  # the values of the last hour, as a file of JSON lines
  novatrek consume --topic novatrek.booking.reservation.created --from -1h --value-only > last-hour.jsonl

  # a time window, one partition, first 10 records
  novatrek consume --topic novatrek.booking.reservation.created \
    --from 2026-11-24T08:00:00Z --to 2026-11-24T09:00:00Z --partition 2 --count 10

  # one aggregate's history, then keep following it
  novatrek consume --topic novatrek.booking.reservation.status-changed \
    --key 4b1f0c6e-2f4e-4d8a-9c1a-7e2b3c4d5e6f --follow

  # why did svc-analytics dead-letter these?
  novatrek consume --topic novatrek.support.dlq.svc-analytics | jq '{offset, headers, error}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConsume(cmd.Context(), cmd, f)
		},
	}
	fs := cmd.Flags()
	f.cfg.Flags(fs)
	fs.StringVarP(&f.topic, "topic", "t", "", "topic to read (required)")
	fs.StringVar(&f.from, "from", "start", "first position, inclusive: start, end, offset, RFC 3339 time or -duration")
	fs.StringVar(&f.to, "to", "", "stop position, exclusive: end, offset, RFC 3339 time or -duration (default: the end offsets at start; none with --follow)")
	fs.Int32SliceVarP(&f.partitions, "partition", "p", nil, "only these partitions (repeatable; default all)")
	fs.StringVarP(&f.key, "key", "k", "", "only records with this key")
	fs.BoolVarP(&f.follow, "follow", "f", false, "keep waiting for new records instead of stopping at the end")
	fs.IntVarP(&f.count, "count", "c", 0, "stop after printing this many records (0: no limit)")
	fs.StringVar(&f.isolation, "isolation", "read_committed", "read_committed or read_uncommitted")
	fs.BoolVar(&f.valueOnly, "value-only", false, "print only the decoded value of each record")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "give up when Kafka or the registry has not answered the start-up requests by then")
	_ = cmd.MarkFlagRequired("topic")
	return cmd
}

// consumePlan is where each partition starts and stops. Without --follow both bounds lie
// within [log start, end] of each partition, so every fetch is in range and a --to past the
// end cannot wait for offsets that do not exist.
type consumePlan struct {
	from     map[int32]int64 // first offset printed
	fetchAt  map[int32]int64 // first offset fetched: from, or the end when --follow waits for from
	to       map[int32]int64 // absent: no end (follow)
	fromTime time.Time       // zero: no timestamp filter
	toTime   time.Time
}

func runConsume(ctx context.Context, cmd *cobra.Command, f *consumeFlags) error {
	if err := f.cfg.Validate(); err != nil {
		return err
	}
	if f.count < 0 {
		return fmt.Errorf("--count %d: want 0 (no limit) or more", f.count)
	}
	var iso offsetspec.Isolation
	level := kgo.ReadCommitted()
	switch strings.ReplaceAll(strings.ToLower(f.isolation), "-", "_") {
	case "read_committed":
	case "read_uncommitted":
		iso, level = offsetspec.ReadUncommitted, kgo.ReadUncommitted()
	default:
		return fmt.Errorf("--isolation %q: want read_committed or read_uncommitted", f.isolation)
	}
	now := time.Now()
	fromSpec, err := offsetspec.Parse(f.from, now)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	var toSpec *offsetspec.Spec
	if f.to != "" {
		s, err := offsetspec.Parse(f.to, now)
		if err != nil {
			return fmt.Errorf("--to: %w", err)
		}
		toSpec = &s
	} else if !f.follow {
		toSpec = &offsetspec.Spec{Kind: offsetspec.End}
	}

	cl, err := kgo.NewClient(f.cfg.KafkaOpts()...)
	if err != nil {
		return fmt.Errorf("connecting to Kafka at %v: %w", f.cfg.KafkaBrokers, err)
	}
	defer cl.Close()
	setup, cancel := context.WithTimeout(ctx, f.timeout)
	plan, err := planConsume(setup, kadm.NewClient(cl), f, fromSpec, toSpec, iso)
	cancel()
	if err != nil {
		return err
	}
	reg, err := sr.NewClient(sr.URLs(f.cfg.SchemaRegistryURL))
	if err != nil {
		return fmt.Errorf("schema registry client for %s: %w", f.cfg.SchemaRegistryURL, err)
	}
	return consumeRange(ctx, cmd, f, plan, level, serde.New(reg))
}

// planConsume resolves --from/--to to offsets for the chosen partitions.
func planConsume(ctx context.Context, adm *kadm.Client, f *consumeFlags, from offsetspec.Spec, to *offsetspec.Spec, iso offsetspec.Isolation) (consumePlan, error) {
	starts, err := offsetspec.Resolve(ctx, adm, f.topic, offsetspec.Spec{Kind: offsetspec.Start}, iso)
	if err != nil {
		return consumePlan{}, err
	}
	for _, p := range f.partitions {
		if _, ok := starts[p]; !ok {
			return consumePlan{}, fmt.Errorf("--partition %d: %s has partitions 0..%d", p, f.topic, len(starts)-1)
		}
	}
	ends, err := offsetspec.Resolve(ctx, adm, f.topic, offsetspec.Spec{Kind: offsetspec.End}, iso)
	if err != nil {
		return consumePlan{}, err
	}
	plan := consumePlan{from: map[int32]int64{}, fetchAt: map[int32]int64{}}
	fromOff, err := offsetspec.Resolve(ctx, adm, f.topic, from, iso)
	if err != nil {
		return consumePlan{}, fmt.Errorf("--from: %w", err)
	}
	if from.Kind == offsetspec.Time {
		plan.fromTime = from.Time
	}
	var toOff map[int32]int64
	if to != nil {
		plan.to = map[int32]int64{}
		if toOff, err = offsetspec.Resolve(ctx, adm, f.topic, *to, iso); err != nil {
			return consumePlan{}, fmt.Errorf("--to: %w", err)
		}
		if to.Kind == offsetspec.Time {
			plan.toTime = to.Time
		}
	}
	for p, start := range starts {
		if len(f.partitions) > 0 && !slices.Contains(f.partitions, p) {
			continue
		}
		end := ends[p]
		from := max(fromOff[p], start) // an offset before the log start reads from it
		if !f.follow {
			from = min(from, end) // nothing to wait for past the end
		}
		plan.from[p] = from
		// A fetch past the end is out of range; with --follow, wait at the end and print
		// from --from on.
		plan.fetchAt[p] = min(from, end)
		if to != nil {
			plan.to[p] = toOff[p]
			if !f.follow {
				plan.to[p] = min(toOff[p], end)
			}
		}
	}
	return plan, nil
}

// consumeRange reads the planned range and prints it through the decoding pipeline.
func consumeRange(ctx context.Context, cmd *cobra.Command, f *consumeFlags, plan consumePlan, level kgo.IsolationLevel, sd *serde.Serde) error {
	offsets := map[int32]kgo.Offset{}
	open := map[int32]bool{}
	for p, from := range plan.from {
		if to, bounded := plan.to[p]; bounded && from >= to {
			continue // nothing in range
		}
		offsets[p] = kgo.NewOffset().At(plan.fetchAt[p])
		open[p] = true
	}
	if len(open) == 0 {
		return nil
	}
	cl, err := kgo.NewClient(append(f.cfg.KafkaOpts(),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{f.topic: offsets}),
		kgo.FetchIsolationLevel(level),
		// Every planned offset is in range, so an OffsetOutOfRange means the log moved under
		// the read (retention, truncation): fail with it rather than let the client silently
		// restart at the log start and print records outside the range.
		kgo.ConsumeResetOffset(kgo.NoResetOffset()),
		kgo.FetchMaxWait(consumeFetchWait),
		// Control records (transaction markers) are kept so the end of a range is seen even
		// when the last offset before it is a marker; they are never printed.
		kgo.KeepControlRecords(),
		kgo.FetchMaxBytes(64<<20),
		kgo.FetchMaxPartitionBytes(16<<20),
	)...)
	if err != nil {
		return fmt.Errorf("connecting to Kafka at %v: %w", f.cfg.KafkaBrokers, err)
	}
	defer cl.Close()

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	pipe := startPipeline(ctx, stop, sd, f.valueOnly, cmd.OutOrStdout(), f.follow)
	var (
		printed  int
		keyB     = []byte(f.key)
		filter   = f.key != "" || !plan.fromTime.IsZero() || !plan.toTime.IsZero()
		lastSeen = map[int32]time.Time{} // when each partition last delivered anything
		adm      = kadm.NewClient(cl)
	)
	started := time.Now()
	closePartition := func(p int32) {
		delete(open, p)
		cl.PauseFetchPartitions(map[string][]int32{f.topic: {p}})
	}
	for len(open) > 0 && (f.count == 0 || printed < f.count) {
		pollCtx, cancelPoll := ctx, context.CancelFunc(func() {})
		if boundedOpen(open, plan) {
			pollCtx, cancelPoll = context.WithTimeout(ctx, consumeDrainWait)
		}
		fetches := cl.PollFetches(pollCtx)
		idle := pollCtx.Err() != nil
		cancelPoll()
		if ctx.Err() != nil {
			break
		}
		var fatal error
		fetches.EachError(func(t string, p int32, err error) {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || fatal != nil {
				return
			}
			fatal = fmt.Errorf("fetching %s partition %d: %w", t, p, err)
			if errors.Is(err, kerr.OffsetOutOfRange) {
				fatal = fmt.Errorf("%w (the partition's log moved during the read: retention or truncation; run again)", fatal)
			}
		})
		if fatal != nil {
			_ = pipe.close()
			return fatal
		}
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			p := fp.Partition
			if !open[p] {
				return
			}
			lastSeen[p] = time.Now()
			to, bounded := plan.to[p]
			from := plan.from[p]
			keep := make([]*kgo.Record, 0, len(fp.Records))
			for _, r := range fp.Records {
				if bounded && r.Offset >= to-1 {
					// to-1 itself may never come (compacted away, or an aborted record that
					// read-committed hides): anything at or past it ends the partition.
					delete(open, p)
					if r.Offset >= to {
						break
					}
				}
				if r.Attrs.IsControl() || r.Offset < from {
					continue
				}
				if filter && !wanted(r, keyB, plan) {
					continue
				}
				if f.count > 0 && printed+len(keep) >= f.count {
					break
				}
				keep = append(keep, r)
			}
			for len(keep) > 0 {
				n := min(len(keep), consumeChunk)
				pipe.submit(keep[:n])
				keep = keep[n:]
				printed += n
			}
			if !open[p] {
				closePartition(p)
			}
		})
		if idle {
			drained, err := drainedPartitions(ctx, adm, f.topic, plan, open, lastSeen, started, level)
			if err != nil {
				_ = pipe.close()
				return err
			}
			for _, p := range drained {
				closePartition(p)
			}
		}
	}
	return pipe.close()
}

// boundedOpen reports whether an open partition has an end to reach.
func boundedOpen(open map[int32]bool, plan consumePlan) bool {
	for p := range open {
		if _, ok := plan.to[p]; ok {
			return true
		}
	}
	return false
}

// drainedPartitions returns the open bounded partitions that delivered nothing for
// consumeDrainWait although everything below their --to is in the log (end ≥ to). The last
// offsets before --to then hold nothing to print — compacted away, or aborted and hidden by
// read-committed with the marker compacted too — and the fetch position has passed them: a
// broker answers a fetch at once when there is data at the position, so silence over many
// fetch rounds means there is none. Without this such a partition would be waited on forever.
func drainedPartitions(ctx context.Context, adm *kadm.Client, topic string, plan consumePlan, open map[int32]bool, lastSeen map[int32]time.Time, started time.Time, level kgo.IsolationLevel) ([]int32, error) {
	var quiet []int32
	for p := range open {
		if _, bounded := plan.to[p]; !bounded {
			continue
		}
		last, ok := lastSeen[p]
		if !ok {
			last = started
		}
		if time.Since(last) >= consumeDrainWait {
			quiet = append(quiet, p)
		}
	}
	if len(quiet) == 0 {
		return nil, nil
	}
	iso := offsetspec.ReadCommitted
	if level == kgo.ReadUncommitted() {
		iso = offsetspec.ReadUncommitted
	}
	ends, err := offsetspec.Resolve(ctx, adm, topic, offsetspec.Spec{Kind: offsetspec.End}, iso)
	if err != nil {
		return nil, fmt.Errorf("checking whether quiet partitions are at their end: %w", err)
	}
	var drained []int32
	for _, p := range quiet {
		if ends[p] >= plan.to[p] {
			drained = append(drained, p)
		}
	}
	return drained, nil
}

// wanted applies --key and the timestamp bounds of a time range.
func wanted(r *kgo.Record, key []byte, plan consumePlan) bool {
	if len(key) > 0 && string(r.Key) != string(key) {
		return false
	}
	if !plan.fromTime.IsZero() && r.Timestamp.Before(plan.fromTime) {
		return false
	}
	if !plan.toTime.IsZero() && !r.Timestamp.Before(plan.toTime) {
		return false
	}
	return true
}
