package peers

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// figure is one contender's measurement.
type figure struct {
	group, name string
	rate        float64 // per second; for a latency, 1/p99, so that higher is better everywhere
	unit        string
	note        string
	p99         time.Duration // a latency's p99; zero for a rate
}

// BenchmarkPeers runs every contender once per b.N on the same events in the same process
// and prints one table: each rate with its ratio to the group's baseline (raw COPY for the
// replay) and to ours. Run it with -benchtime 1x (`make bench-peers`).
func BenchmarkPeers(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	w := newWorld(b, events())
	groups, err := lagWorld(ctx, w)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		var figs []figure
		// measure runs one contender and adds its rate, n items over its time, to the table.
		measure := func(group, unit, name, note string, run func() (time.Duration, error)) {
			if !wanted(group) || skipped(name) {
				return
			}
			d, err := run()
			if err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			fmt.Fprintf(os.Stderr, "peers: %s: %d %s in %v\n", name, w.n, strings.Split(unit, "/")[0], d.Round(time.Millisecond))
			figs = append(figs, figure{group: group, name: name, rate: float64(w.n) / d.Seconds(), unit: unit, note: note})
		}
		measure("replay", "events/s", "raw COPY of the same rows", "baseline: no Kafka, no decoding, no inbox",
			withCPU(ctx, w, "raw COPY of the same rows", func() (time.Duration, error) { return copyRaw(ctx, w) }))
		measure("replay", "events/s", "novatrek stream runtime, CopyBatch", "inbox + stored offsets in the batch transaction, rows COPYed",
			withCPU(ctx, w, "novatrek stream runtime, CopyBatch", func() (time.Duration, error) { return replayOursCopy(ctx, w, fmt.Sprint("ours-copy-", i)) }))
		measure("replay", "events/s", "novatrek stream runtime, HandleBatch", "the same, one unnest upsert per batch",
			withCPU(ctx, w, "novatrek stream runtime, HandleBatch", func() (time.Duration, error) { return replayOurs(ctx, w, fmt.Sprint("ours-", i)) }))
		measure("replay", "events/s", "hand loop: franz-go poll → pgx batch", "no inbox, offsets in Kafka",
			withCPU(ctx, w, "hand loop: franz-go poll → pgx batch", func() (time.Duration, error) { return replayHand(ctx, w, fmt.Sprint("hand-", i)) }))
		measure("replay", "events/s", "hand loop: franz-go poll → COPY", "no inbox, offsets in Kafka, no conflict handling",
			withCPU(ctx, w, "hand loop: franz-go poll → COPY", func() (time.Duration, error) { return replayHandCopy(ctx, w, fmt.Sprint("hand-copy-", i)) }))
		// The same rows in a table keyed by the event id, every contender writing it: the
		// runtime's CopyBatch in its event-keyed mode (the table's key is its inbox).
		const keyed = "replay keyed"
		measure(keyed, "events/s", "raw COPY into the event-keyed table", "baseline: no Kafka, no decoding",
			withCPU(ctx, w, "raw COPY into the event-keyed table", func() (time.Duration, error) { return copyRawFacts(ctx, w) }))
		measure(keyed, "events/s", "novatrek stream runtime, CopyBatch keyed by event id", "the key is the inbox: stored offsets + COPY in the batch transaction",
			withCPU(ctx, w, "novatrek stream runtime, CopyBatch keyed by event id", func() (time.Duration, error) { return replayOursKeyed(ctx, w, fmt.Sprint("ours-keyed-", i)) }))
		measure(keyed, "events/s", "hand loop: franz-go poll → COPY, event-keyed", "offsets in Kafka, no conflict handling",
			withCPU(ctx, w, "hand loop: franz-go poll → COPY, event-keyed", func() (time.Duration, error) { return replayHandCopyFacts(ctx, w, fmt.Sprint("hand-keyed-", i)) }))
		measure("replay", "events/s", "Watermill router: watermill-kafka → handler → pgx", "a transaction per message, offsets in Kafka",
			withCPU(ctx, w, "Watermill router: watermill-kafka → handler → pgx", func() (time.Duration, error) { return replayWatermill(ctx, w, fmt.Sprint("watermill-", i)) }))
		measure("outbox", "rows/s", "raw DELETE … RETURNING drain", "baseline: batches of 1000, no Kafka",
			func() (time.Duration, error) { return drainRaw(ctx, w, w.n) })
		measure("outbox", "rows/s", "novatrek outbox relay", "fetch, idempotent produce, delete; batches of 1000",
			func() (time.Duration, error) { return relayOurs(ctx, w, w.n) })
		measure("outbox", "rows/s", "Watermill SQL forwarder (watermill-sql → Kafka)", "one envelope message at a time",
			func() (time.Duration, error) { return forwardWatermill(ctx, w, w.n) })
		p99 := func(name, note string, run func(context.Context, *world) (time.Duration, error)) {
			if !wanted("outbox p99") {
				return
			}
			d, err := run(ctx, w)
			if err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			fmt.Fprintf(os.Stderr, "peers: %s: p99 %v\n", name, d)
			figs = append(figs, figure{group: "outbox p99", name: name, rate: float64(time.Second) / float64(d), unit: "p99", note: note, p99: d})
		}
		p99("novatrek outbox relay", "commit → consumer, 200 rows/s, one per transaction", latencyOurs)
		p99("Watermill SQL forwarder", "the same; its defaults (the table polled every second when idle)", latencyWatermill)
		scrape := func(name, note string, run func(context.Context, *world, []string) (time.Duration, error)) {
			if !wanted("lag") {
				return
			}
			d, err := run(ctx, w, groups)
			if err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			figs = append(figs, figure{group: "lag", name: name, rate: lagScrapes / d.Seconds(), unit: "scrapes/s", note: note})
		}
		scrape("kafka_exporter-style polling", "baseline: 5 groups, 120 partitions, Kafka asked on every scrape", scrapePolling)
		scrape("novatrek lag exporter", "serves the latest observation (taken every 15 s)", scrapeOurs)
		for _, f := range figs {
			if f.p99 > 0 {
				b.ReportMetric(float64(f.p99.Microseconds())/1000, "ms-"+metricName(f))
			} else {
				b.ReportMetric(f.rate, metricName(f))
			}
		}
		if i == b.N-1 {
			printTable(w.n, brokerName(w), figs)
		}
	}
}

// wanted says whether the run measures group: PEERS_ONLY, when set, is a comma-separated
// list of group prefixes ("replay" runs both replay groups, "replay keyed" the event-keyed one); unset, every group runs.
func wanted(group string) bool {
	only := os.Getenv("PEERS_ONLY")
	if only == "" {
		return true
	}
	for _, prefix := range strings.Split(only, ",") {
		if strings.HasPrefix(group, strings.TrimSpace(prefix)) {
			return true
		}
	}
	return false
}

// skipped says whether PEERS_SKIP, a "|"-separated list of contender name prefixes (names hold commas)
// ("Watermill" leaves out the Watermill router, which takes minutes at 200,000 events),
// leaves the contender out of the run.
func skipped(name string) bool {
	for _, prefix := range strings.Split(os.Getenv("PEERS_SKIP"), "|") {
		if p := strings.TrimSpace(prefix); p != "" && strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// metricName is a figure's b.ReportMetric unit: "<unit>-<group>-<first word>-<last word>"
// (two words, since one contender kind can run in two ways: the hand loop with a batch or
// with COPY).
func metricName(f figure) string {
	words := strings.Fields(strings.ToLower(f.name))
	first, last := strings.Trim(words[0], ":,()"), strings.Trim(words[len(words)-1], ":,()")
	return f.unit + "-" + strings.ReplaceAll(f.group, " ", "-") + "-" + first + "-" + last
}

// printTable prints the figures with each one's ratio to its group's first figure (the
// baseline) and to ours (the group's first novatrek figure), with the broker and the load
// average the run saw.
func printTable(n int, broker string, figs []figure) {
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("\npeers, %d events on %s, load average %s\n", n, broker, strings.Join(strings.Fields(string(load))[:3], " "))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "group\tcontender\trate\t× baseline\tours ×\tnote\t")
	base, ours := map[string]float64{}, map[string]float64{}
	for _, f := range figs {
		if _, ok := base[f.group]; !ok {
			base[f.group] = f.rate
		}
		if _, ok := ours[f.group]; !ok && strings.HasPrefix(f.name, "novatrek") {
			ours[f.group] = f.rate
		}
	}
	for _, f := range figs {
		oursX := "—"
		if o := ours[f.group]; o > 0 && o != f.rate {
			oursX = fmt.Sprintf("%.2f", o/f.rate)
		}
		value := fmt.Sprintf("%.0f %s", f.rate, f.unit)
		if f.p99 > 0 {
			value = fmt.Sprintf("p99 %.1f ms", float64(f.p99.Microseconds())/1000)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\t%s\t\n", f.group, f.name, value, f.rate/base[f.group], oursX, f.note)
	}
	tw.Flush()
}
