package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/deadletter"
	"github.com/novatrek/support/internal/ops/deadletter/deadlettertest"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// dlqRig is the test processor with three dead letters (two handler-permanent events,
// one malformed value) and a database for the re-drive records.
type dlqRig struct {
	h      *streamtest.Harness
	dbURL  string
	ops    *pgxpool.Pool
	bad    []streamtest.Event
	srcEnd int64
	// pos is each dead letter's position "P:O", by event id; "" for the malformed one. The
	// runtime dead-letters a malformed value as it decodes the batch, before handling the
	// others, so the order on the dead-letter topic is not the input's.
	pos map[string]string
}

func newDLQRig(t *testing.T) *dlqRig {
	t.Helper()
	r := &dlqRig{h: streamtest.NewHarness(t, deadlettertest.Subject()), dbURL: pgtest.URL(t)}
	var err error
	if r.ops, err = pgxpool.New(context.Background(), r.dbURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.ops.Close)
	r.bad = []streamtest.Event{r.h.S.Failing(1), r.h.S.Failing(2)}
	// One key, so all three land on one input partition in this order.
	key := r.bad[0].Key
	deadlettertest.Produce(t, r.h,
		deadlettertest.Record(key, r.h.Encode(r.bad[0])),
		deadlettertest.Record(key, r.h.Encode(r.bad[1])),
		deadlettertest.Record(key, []byte("not avro at all")))
	r.srcEnd = r.inputEnd(t)
	letters, err := deadletter.Reader{ClientOpts: []kgo.Opt{kgo.SeedBrokers(r.h.Env.Brokers...)}, Serde: r.h.Env.Serde}.
		Read(context.Background(), testproc.Group, deadletter.Filter{})
	if err != nil || len(letters) != 3 {
		t.Fatalf("reading the dead letters: %v, %d of 3", err, len(letters))
	}
	r.pos = map[string]string{}
	for _, l := range letters {
		r.pos[l.EventID] = fmt.Sprintf("%d:%d", l.At.Partition, l.At.Offset)
	}
	return r
}

// run runs `novatrek dlq <args...>` against the rig and returns stdout and stderr.
func (r *dlqRig) run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := newDLQCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(append(args, "--brokers", strings.Join(r.h.Env.Brokers, ","),
		"--registry", r.h.Env.RegistryURL, "--database-url", r.dbURL))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func (r *dlqRig) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := r.run(t, args...)
	if err != nil {
		t.Fatalf("dlq %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, out, errOut)
	}
	return out
}

// inputEnd is how many records the input topic holds in all.
func (r *dlqRig) inputEnd(t *testing.T) int64 {
	return int64(len(streamtest.ReadTopic(t, r.h.Env, testproc.CreatedTopic)))
}

func (r *dlqRig) listJSON(t *testing.T, args ...string) (out struct {
	Summary     deadletter.Summary `json:"summary"`
	DeadLetters []letterJSON       `json:"dead_letters"`
}) {
	t.Helper()
	text := r.mustRun(t, append([]string{"list", testproc.Group, "-o", "json"}, args...)...)
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		t.Fatalf("dlq list -o json: %v\n%s", err, text)
	}
	return out
}

func TestDLQListAndShow(t *testing.T) {
	t.Parallel()
	r := newDLQRig(t)

	out := r.mustRun(t, "list", testproc.Group)
	for _, want := range []string{
		"3 dead letters of svc-testproc (novatrek.support.dlq.svc-testproc)",
		"By kind:", "2  permanent", "1  malformed",
		"By source topic:", "3  novatrek.booking.reservation.created",
		"DLQ", "REDRIVEN", "0:0", "0:2", r.bad[0].EventID, r.bad[1].EventID, "project reservation " + r.bad[0].Key,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dlq list lacks %q:\n%s", want, out)
		}
	}

	all := r.listJSON(t)
	if all.Summary.Total != 3 || len(all.DeadLetters) != 3 {
		t.Fatalf("list -o json: total %d, %d lines; want 3", all.Summary.Total, len(all.DeadLetters))
	}
	malformed := all.DeadLetters[0] // sorted by time: it was dead-lettered first
	if d := malformed; d.DecodeError == "" || d.EventID != "" || d.Kind != "malformed" || d.Source.Topic != testproc.CreatedTopic {
		t.Errorf("malformed dead letter as JSON: %+v", d)
	}
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"--kind", "malformed"}, 1},
		{[]string{"--reason", `SQLSTATE 23\d{3}`}, 2},
		{[]string{"--reason", "CHECK CONSTRAINT"}, 2},
		{[]string{"--event-id", r.bad[1].EventID}, 1},
		{[]string{"--offsets", "1-2"}, 2},
		{[]string{"--offsets", r.pos[""] + "," + r.pos[r.bad[1].EventID]}, 2},
		{[]string{"--offsets", "1:0-"}, 0},
		{[]string{"--topic", testproc.CreatedTopic}, 3},
		{[]string{"--topic", "novatrek.other"}, 0},
		{[]string{"--since", "1h"}, 3},
		{[]string{"--since", "2999-01-01T00:00:00Z"}, 0},
	} {
		if got := r.listJSON(t, c.args...); len(got.DeadLetters) != c.want || got.Summary.Total != c.want {
			t.Errorf("list %v: %d dead letters; want %d", c.args, len(got.DeadLetters), c.want)
		}
	}
	if _, _, err := r.run(t, "list", testproc.Group, "--offsets", "9-1"); err == nil || !strings.Contains(err.Error(), "--offsets") {
		t.Errorf("list --offsets 9-1: err %v; want one naming --offsets", err)
	}
	for _, cmd := range []string{"list", "redrive"} {
		if _, _, err := r.run(t, cmd, testproc.Group, "--kind", "permament"); err == nil ||
			!strings.Contains(err.Error(), "--kind") || !strings.Contains(err.Error(), `"permament"`) || !strings.Contains(err.Error(), "permanent") {
			t.Errorf("%s --kind permament: err %v; want one naming --kind, the value and the kinds", cmd, err)
		}
	}
	if _, _, err := r.run(t, "list", "svc-nobody"); !errors.Is(err, deadletter.ErrNoTopic) {
		t.Errorf("list of a group without a dead-letter topic: err %v; want ErrNoTopic", err)
	}

	out = r.mustRun(t, "show", testproc.Group, r.pos[r.bad[1].EventID])
	for _, want := range []string{
		"Dead letter " + r.pos[r.bad[1].EventID] + " of svc-testproc", "Kind:", "permanent", "Event id:", r.bad[1].EventID,
		"traceparent: " + deadlettertest.Traceparent, "dlq.error: ", "dlq.source.offset: 1", "dlq.source.topic: " + testproc.CreatedTopic,
		"Value (schema id", "novatrek.booking.ReservationCreated", `"party_size": 0`, "Key: " + r.bad[0].Key,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dlq show %s lacks %q:\n%s", r.pos[r.bad[1].EventID], want, out)
		}
	}
	// The malformed one by its offset alone.
	out = r.mustRun(t, "show", testproc.Group, strings.TrimPrefix(r.pos[""], "0:"))
	for _, want := range []string{"does not decode", "base64: " + "bm90IGF2cm8gYXQgYWxs", "not avro at all"} {
		if !strings.Contains(out, want) {
			t.Errorf("dlq show 2 (malformed) lacks %q:\n%s", want, out)
		}
	}
	var shown showJSON
	text := r.mustRun(t, "show", testproc.Group, r.pos[r.bad[0].EventID], "-o", "json")
	if err := json.Unmarshal([]byte(text), &shown); err != nil {
		t.Fatalf("show -o json: %v\n%s", err, text)
	}
	var value struct {
		Metadata map[string]any `json:"metadata"`
	}
	if err := json.Unmarshal(shown.Value.JSON, &value); err != nil {
		t.Fatalf("show -o json value: %v\n%s", err, text)
	}
	meta := value.Metadata
	if meta["event_id"] != r.bad[0].EventID || shown.Headers[0].Key != "traceparent" || shown.EventID != r.bad[0].EventID {
		t.Errorf("show -o json: metadata %v, headers %v; want event %s and the original headers first", meta, shown.Headers, r.bad[0].EventID)
	}
	for _, bad := range []string{"0:9", "1:0", "x", "1-2"} {
		if _, _, err := r.run(t, "show", testproc.Group, bad); err == nil {
			t.Errorf("show %s: no error", bad)
		}
	}
}

func TestDLQRedrive(t *testing.T) {
	t.Parallel()
	r := newDLQRig(t)
	ctx := context.Background()

	if _, _, err := r.run(t, "redrive", testproc.Group); err == nil || !strings.Contains(err.Error(), "--all") {
		t.Errorf("redrive without a choice: err %v; want one suggesting --all", err)
	}

	// Dry run: says what it would send, sends nothing, writes nothing.
	out := r.mustRun(t, "redrive", testproc.Group, "--all", "--by", "alice")
	for _, want := range []string{
		"(dry run): 3 chosen", "would send", testproc.CreatedTopic + "[",
		"Dry run: nothing sent. 3 to send, 0 already re-driven", "Run with --execute",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if end := r.inputEnd(t); end != r.srcEnd {
		t.Errorf("dry run moved the input topic from %d to %d records", r.srcEnd, end)
	}
	var table *string
	if err := r.ops.QueryRow(ctx, `SELECT to_regclass('novatrek_ops.redrives')::text`).Scan(&table); err != nil || table != nil {
		t.Errorf("dry run created the re-drive table (%v, %v)", table, err)
	}

	if out := r.mustRun(t, "history", testproc.Group); !strings.Contains(out, "No re-drives of svc-testproc recorded.") {
		t.Errorf("history before any re-drive:\n%s", out)
	}

	// Fix, then execute the permanent ones: sent once, recorded, applied once.
	deadlettertest.Fix(t, r.h)
	out = r.mustRun(t, "redrive", testproc.Group, "--kind", "permanent", "--execute", "--by", "alice", "--note", "constraint dropped")
	if !strings.Contains(out, "Sent 2, failed 0, skipped 0 already re-driven") {
		t.Errorf("redrive --execute output:\n%s", out)
	}
	for _, ev := range r.bad {
		r.h.WaitApplied(ev.EventID)
	}
	if end := r.inputEnd(t); end != r.srcEnd+2 {
		t.Errorf("input topic has %d records after the re-drive; want %d", end, r.srcEnd+2)
	}
	rows, err := r.ops.Query(ctx, `SELECT event_id, dlq_partition, dlq_offset, target_topic, target_offset, redriven_by, note, status
FROM novatrek_ops.redrives ORDER BY dlq_offset`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var (
			eventID, target, by, note, status string
			part                              int32
			off, targetOff                    int64
		)
		if err := rows.Scan(&eventID, &part, &off, &target, &targetOff, &by, &note, &status); err != nil {
			t.Fatal(err)
		}
		if want := r.pos[eventID]; fmt.Sprintf("%d:%d", part, off) != want || target != testproc.CreatedTopic ||
			targetOff < r.srcEnd || by != "alice" || note != "constraint dropped" || status != "sent" {
			t.Errorf("audit row %d: %s 0:%d → %s@%d by %s (%q) %s", n, eventID, off, target, targetOff, by, note, status)
		}
		n++
	}
	if rows.Err() != nil || n != 2 {
		t.Fatalf("%d audit rows (err %v); want 2", n, rows.Err())
	}

	// The same command again: both skipped, nothing sent.
	out = r.mustRun(t, "redrive", testproc.Group, "--kind", "permanent", "--execute", "--by", "bob")
	if !strings.Contains(out, "Sent 0, failed 0, skipped 2 already re-driven") || !strings.Contains(out, "skip: sent") || !strings.Contains(out, "by alice") {
		t.Errorf("second redrive output:\n%s", out)
	}
	if end := r.inputEnd(t); end != r.srcEnd+2 {
		t.Errorf("second re-drive sent records: input has %d, want %d", end, r.srcEnd+2)
	}
	for _, ev := range r.bad {
		if n := r.h.Effects(ev.EventID); n != 1 {
			t.Errorf("event %s applied %d times; want 1", ev.EventID, n)
		}
	}
	out = r.mustRun(t, "list", testproc.Group)
	if !strings.Contains(out, "sent ") || !strings.Contains(out, "by alice") {
		t.Errorf("list does not show the re-drives:\n%s", out)
	}
	out = r.mustRun(t, "show", testproc.Group, r.pos[r.bad[0].EventID])
	if !strings.Contains(out, "Re-driven:") || !strings.Contains(out, "sent to "+testproc.CreatedTopic+"[") {
		t.Errorf("show does not show the re-drive:\n%s", out)
	}
	out = r.mustRun(t, "history", testproc.Group)
	if strings.Count(out, " alice ") != 2 || strings.Count(out, "constraint dropped") != 2 || !strings.Contains(out, r.bad[1].EventID) {
		t.Errorf("history does not list the two re-driven records:\n%s", out)
	}

	// JSON of a dry run.
	var plan struct {
		DryRun bool       `json:"dry_run"`
		Items  []itemJSON `json:"items"`
	}
	actions := func(items []itemJSON) string {
		n := map[deadletter.Action]int{}
		for _, it := range items {
			n[it.Action]++
		}
		return strings.Repeat("skip-redriven ", n[deadletter.SkipRedriven]) + strings.Repeat("send", n[deadletter.Send])
	}
	text := r.mustRun(t, "redrive", testproc.Group, "--all", "-o", "json", "--by", "carol")
	if err := json.Unmarshal([]byte(text), &plan); err != nil || !plan.DryRun || len(plan.Items) != 3 ||
		actions(plan.Items) != "skip-redriven skip-redriven send" {
		t.Errorf("redrive -o json (%v): %s", err, text)
	}
}

func TestDLQHelpHasExamples(t *testing.T) {
	t.Parallel()
	for _, sub := range []string{"list", "show", "redrive", "history"} {
		cmd := newDLQCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetArgs([]string{sub, "--help"})
		if err := cmd.Execute(); err != nil {
			t.Fatalf("dlq %s --help: %v", sub, err)
		}
		if !strings.Contains(out.String(), "Examples:") || !strings.Contains(out.String(), "novatrek dlq "+sub) {
			t.Errorf("dlq %s --help has no examples:\n%s", sub, out.String())
		}
	}
}
