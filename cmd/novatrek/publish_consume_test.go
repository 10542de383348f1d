package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/avrojson"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/schemas"
)

const pcTopic = "novatrek.booking.reservation.created"

// pcRig is kfake with pcTopic (3 partitions) and its latest schema registered, as
// `novatrek schemas register` would leave a cluster.
type pcRig struct {
	env *kafkatest.Env
	cl  *kgo.Client
}

func newPCRig(t *testing.T) *pcRig {
	t.Helper()
	env := kafkatest.New(t, kfake.SeedTopics(3, pcTopic, "novatrek.support.dlq.svc-analytics"))
	cat, err := schemas.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range cat.Versions("reservation_created") { // as `novatrek schemas register` does
		if _, err := env.Registry.RegisterSchema(context.Background(), pcTopic+"-value", sr.Schema{Schema: v.Text}, -1, -1); err != nil {
			t.Fatalf("registering v%d: %v", v.Number, err)
		}
	}
	return &pcRig{env: env, cl: env.Client(t)}
}

// run runs `novatrek <args...>` against the rig with stdin; it returns stdout and stderr.
func (r *pcRig) run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append(args, "--brokers", strings.Join(r.env.Brokers, ","), "--registry", r.env.RegistryURL))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	if err == nil && ctx.Err() != nil { // consume stops quietly when its context ends
		err = fmt.Errorf("novatrek %s did not finish within 30s", strings.Join(args, " "))
	}
	return out.String(), errOut.String(), err
}

// lines parses JSON lines.
func lines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var got []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line is not a JSON object: %v\n%s", err, l)
		}
		got = append(got, m)
	}
	return got
}

// eventJSON is created event i as natural JSON, without its metadata when bare.
func eventJSON(t *testing.T, i int, bare bool) string {
	t.Helper()
	ev := testproc.Producer{Reservations: 1 << 20}.Created(i)
	body, err := ev.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := avrojson.Compile(ev.Schema())
	js, err := c.AppendJSON(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	if !bare {
		return string(js)
	}
	var m map[string]any
	_ = json.Unmarshal(js, &m)
	delete(m, "metadata")
	b, _ := json.Marshal(m)
	return string(b)
}

func (r *pcRig) ends(t *testing.T, topic string) int64 {
	t.Helper()
	ends, err := kadm.NewClient(r.cl).ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}

func TestPublishConsumeRoundTrip(t *testing.T) {
	r := newPCRig(t)
	var in []string
	for i := range 20 {
		in = append(in, eventJSON(t, i, i%2 == 1)) // odd lines leave metadata to publish
	}
	_, stderr, err := r.run(t, strings.Join(in, "\n")+"\n\n", "publish", "--topic", pcTopic, "--producer", "svc-roundtrip")
	if err != nil {
		t.Fatalf("publish: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "20 sent") {
		t.Errorf("summary = %q; want 20 sent", stderr)
	}

	out, stderr, err := r.run(t, "", "consume", "--topic", pcTopic)
	if err != nil {
		t.Fatalf("consume: %v\n%s", err, stderr)
	}
	recs := lines(t, out)
	if len(recs) != len(in) {
		t.Fatalf("consume printed %d records; want %d", len(recs), len(in))
	}
	byID := map[string]map[string]any{}
	for _, rec := range recs {
		v := rec["value"].(map[string]any)
		if rec["key"] != v["reservation_id"] {
			t.Errorf("key %v is not the reservation id %v", rec["key"], v["reservation_id"])
		}
		if rec["schema_id"] == nil || rec["error"] != nil {
			t.Errorf("record not decoded: %v", rec)
		}
		byID[v["reservation_id"].(string)] = v
	}
	for i, line := range in {
		var want map[string]any
		_ = json.Unmarshal([]byte(line), &want)
		got, ok := byID[want["reservation_id"].(string)]
		if !ok {
			t.Fatalf("line %d was not consumed", i+1)
		}
		meta := got["metadata"].(map[string]any)
		if _, bare := want["metadata"]; !bare {
			if meta["producer"] != "svc-roundtrip" || meta["event_type"] != "reservation.created" ||
				meta["event_id"] == "" || meta["correlation_id"] != meta["event_id"] {
				t.Errorf("line %d: filled metadata = %v", i+1, meta)
			}
			delete(got, "metadata")
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("line %d came back different:\n got %v\nwant %v", i+1, got, want)
		}
	}

	// --value-only prints the values alone, ready for publish again.
	out, _, err = r.run(t, "", "consume", "--topic", pcTopic, "--value-only", "--count", "3")
	if err != nil {
		t.Fatal(err)
	}
	vals := lines(t, out)
	if len(vals) != 3 || vals[0]["reservation_id"] == nil {
		t.Fatalf("--value-only --count 3 printed:\n%s", out)
	}
}

func TestPublishBadLineSendsNothing(t *testing.T) {
	r := newPCRig(t)
	in := []string{eventJSON(t, 1, false), eventJSON(t, 2, true), "", eventJSON(t, 3, true), eventJSON(t, 4, true)}
	in[3] = strings.Replace(in[3], `"currency":"USD"`, `"currency":840`, 1) // line 4: deposit_due.currency (keys sorted)
	_, stderr, err := r.run(t, strings.Join(in, "\n"), "publish", "--topic", pcTopic)
	if err == nil || !strings.Contains(err.Error(), "line 4: deposit_due.currency: expected string, got number") {
		t.Fatalf("err = %v; want it to name line 4 and deposit_due.currency\n%s", err, stderr)
	}
	if n := r.ends(t, pcTopic); n != 0 {
		t.Fatalf("a file with a bad line sent %d records", n)
	}
	// --dry-run sends nothing either.
	if _, stderr, err := r.run(t, in[0], "publish", "--topic", pcTopic, "--dry-run"); err != nil || !strings.Contains(stderr, "1 lines fit") {
		t.Fatalf("dry run: %v %s", err, stderr)
	}
	if n := r.ends(t, pcTopic); n != 0 {
		t.Fatalf("--dry-run sent %d records", n)
	}
	// --continue-on-error sends the good lines and still fails.
	_, stderr, err = r.run(t, strings.Join(in, "\n"), "publish", "--topic", pcTopic, "--continue-on-error")
	if err == nil || !strings.Contains(stderr, "3 sent") || !strings.Contains(stderr, "line 4:") {
		t.Fatalf("--continue-on-error: err = %v\n%s", err, stderr)
	}
	if n := r.ends(t, pcTopic); n != 3 {
		t.Fatalf("--continue-on-error sent %d records; want 3", n)
	}
}

// produceAt writes created events 0..n-1 with timestamps base+i·s, keys cycling over
// three reservations, partition i%3.
func (r *pcRig) produceAt(t *testing.T, base time.Time, n int) []*kgo.Record {
	t.Helper()
	g := testproc.Producer{Reservations: 3}
	var recs []*kgo.Record
	for i := range n {
		rec, err := g.CreatedRecord(context.Background(), r.env.Serde, pcTopic, i)
		if err != nil {
			t.Fatal(err)
		}
		rec.Timestamp = base.Add(time.Duration(i) * time.Second)
		rec.Partition = int32(i % 3)
		recs = append(recs, rec)
	}
	cl := r.env.Client(t, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return recs
}

func offsetsOf(t *testing.T, recs []map[string]any) []string {
	var got []string
	for _, r := range recs {
		got = append(got, fmt.Sprintf("%v:%v", r["partition"], r["offset"]))
	}
	slices.Sort(got)
	return got
}

func TestConsumeRangesAndFilters(t *testing.T) {
	r := newPCRig(t)
	base := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	produced := r.produceAt(t, base, 30)
	want := func(keep func(i int, rec *kgo.Record) bool) []string {
		var w []string
		for i, rec := range produced {
			if keep(i, rec) {
				w = append(w, fmt.Sprintf("%d:%d", rec.Partition, rec.Offset))
			}
		}
		slices.Sort(w)
		return w
	}
	cases := []struct {
		name string
		args []string
		keep func(i int, rec *kgo.Record) bool
	}{
		{"time range is [from, to)", []string{"--from", "2026-11-24T08:00:10Z", "--to", "2026-11-24T08:00:20Z"},
			func(i int, _ *kgo.Record) bool { return i >= 10 && i < 20 }},
		{"time with zone and fraction", []string{"--from", "2026-11-24T09:00:24.5+01:00"},
			func(i int, _ *kgo.Record) bool { return i >= 25 }},
		{"offsets", []string{"--from", "2", "--to", "4"},
			func(_ int, rec *kgo.Record) bool { return rec.Offset >= 2 && rec.Offset < 4 }},
		{"partition", []string{"--partition", "1"},
			func(_ int, rec *kgo.Record) bool { return rec.Partition == 1 }},
		{"key", []string{"--key", string(produced[4].Key)},
			func(_ int, rec *kgo.Record) bool { return string(rec.Key) == string(produced[4].Key) }},
		{"start to end", []string{"--from", "start", "--to", "end"},
			func(int, *kgo.Record) bool { return true }},
		{"relative from the future", []string{"--from", "-1h"},
			func(int, *kgo.Record) bool { return false }}, // every record is stamped in the past
		{"end is empty", []string{"--from", "end"},
			func(int, *kgo.Record) bool { return false }},
	}
	for _, tc := range cases {
		out, stderr, err := r.run(t, "", append([]string{"consume", "--topic", pcTopic}, tc.args...)...)
		if err != nil {
			t.Errorf("%s: %v\n%s", tc.name, err, stderr)
			continue
		}
		got, w := offsetsOf(t, lines(t, out)), want(tc.keep)
		if !slices.Equal(got, w) {
			t.Errorf("%s: consumed %v; want %v", tc.name, got, w)
		}
	}

	// --count stops after n records; one partition comes out in offset order.
	out, _, err := r.run(t, "", "consume", "--topic", pcTopic, "--partition", "2", "--count", "4")
	if err != nil {
		t.Fatal(err)
	}
	recs := lines(t, out)
	if len(recs) != 4 {
		t.Fatalf("--count 4 printed %d records", len(recs))
	}
	for i, rec := range recs {
		if rec["offset"].(float64) != float64(i) || rec["partition"].(float64) != 2 {
			t.Errorf("record %d is %v:%v; want 2:%d", i, rec["partition"], rec["offset"], i)
		}
	}
	if ts := recs[1]["timestamp"]; ts != "2026-11-24T08:00:05.000Z" {
		t.Errorf("timestamp printed as %v", ts)
	}

	for _, bad := range [][]string{{"--from", "yesterday"}, {"--partition", "7"}, {"--isolation", "dirty"}, {"--to", "-5"}} {
		if _, _, err := r.run(t, "", append([]string{"consume", "--topic", pcTopic}, bad...)...); err == nil {
			t.Errorf("consume %v: no error", bad)
		}
	}
}

// Undecodable records are printed with an error, and dead-letter topics show their headers
// and decode what they can.
func TestConsumeShowsWhatDoesNotDecode(t *testing.T) {
	r := newPCRig(t)
	good, err := testproc.Producer{}.CreatedRecord(context.Background(), r.env.Serde, pcTopic, 1)
	if err != nil {
		t.Fatal(err)
	}
	dlq := "novatrek.support.dlq.svc-analytics"
	recs := []*kgo.Record{
		{Topic: pcTopic, Partition: 0, Key: []byte("k"), Value: []byte("not avro")},
		{Topic: pcTopic, Partition: 0, Key: []byte{0xff, 0xfe}, Value: nil},
		{Topic: dlq, Partition: 0, Key: good.Key, Value: good.Value, Headers: []kgo.RecordHeader{
			{Key: "dlq.error", Value: []byte("handler said no")}, {Key: "bin", Value: []byte{0xff}}}},
		{Topic: dlq, Partition: 0, Value: append([]byte{0, 0, 0, 0, 99}, 1, 2)},
	}
	cl := r.env.Client(t, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	out, _, err := r.run(t, "", "consume", "--topic", pcTopic)
	if err != nil {
		t.Fatal(err)
	}
	got := lines(t, out)
	if len(got) != 2 || got[0]["error"] == nil || got[0]["value_base64"] != "bm90IGF2cm8=" ||
		got[1]["value"] != nil || got[1]["key_base64"] != "//4=" || got[1]["error"] != nil {
		t.Fatalf("undecodable and tombstone records printed as:\n%s", out)
	}
	out, _, err = r.run(t, "", "consume", "--topic", dlq, "--value-only")
	if err != nil {
		t.Fatal(err)
	}
	got = lines(t, out)
	if len(got) != 2 {
		t.Fatalf("dlq printed %d records:\n%s", len(got), out)
	}
	if got[0]["reservation_id"] == nil {
		t.Errorf("a decodable dead letter's value was not decoded: %v", got[0])
	}
	if got[1]["error"] == nil || !strings.Contains(got[1]["error"].(string), "99") {
		t.Errorf("a dead letter with an unknown schema id: %v", got[1])
	}
	out, _, _ = r.run(t, "", "consume", "--topic", dlq, "--count", "1")
	if !strings.Contains(out, `"headers":[{"key":"dlq.error","value":"handler said no"},{"key":"bin","value_base64":"/w=="}]`) {
		t.Errorf("dead-letter headers printed as:\n%s", out)
	}
}

func TestPublishConsumeHelpHasExamples(t *testing.T) {
	for _, c := range []*cobra.Command{newPublishCmd(), newConsumeCmd()} {
		if !strings.Contains(c.Example, "novatrek "+c.Name()) {
			t.Errorf("%s --help has no examples", c.Name())
		}
	}
}

// --follow prints what is there, then waits for and prints new records as they arrive.
func TestConsumeFollow(t *testing.T) {
	r := newPCRig(t)
	g := testproc.Producer{}
	produce := func(from, to int) {
		for i := from; i < to; i++ {
			rec, err := g.CreatedRecord(context.Background(), r.env.Serde, pcTopic, i)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	produce(0, 2)
	pr, pw := io.Pipe()
	root := newRootCmd()
	root.SetOut(pw)
	root.SetErr(io.Discard)
	root.SetArgs([]string{"consume", "--topic", pcTopic, "--follow", "--count", "4", "--value-only",
		"--brokers", strings.Join(r.env.Brokers, ","), "--registry", r.env.RegistryURL})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()

	sc := bufio.NewScanner(pr)
	read := func(n int) {
		for range n {
			if !sc.Scan() {
				t.Fatalf("output ended early: %v", sc.Err())
			}
		}
	}
	read(2) // what was there before
	produce(2, 4)
	read(2) // what arrived while following
	if err := <-done; err != nil {
		t.Fatalf("consume --follow --count 4: %v", err)
	}
}

// Read-committed hides aborted records, and consume still stops at the end when the last
// offsets are transaction markers.
func TestConsumeIsolation(t *testing.T) {
	r := newPCRig(t)
	g := testproc.Producer{Reservations: 1}
	tx := r.env.Client(t, kgo.TransactionalID("consume-test"), kgo.DefaultProduceTopic(pcTopic))
	ctx := context.Background()
	for n, commit := range []bool{true, false} {
		if err := tx.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			rec, err := g.CreatedRecord(ctx, r.env.Serde, pcTopic, 2*n+i)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.ProduceSync(ctx, rec).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatal(err)
		}
	}
	for iso, want := range map[string]int{"read_committed": 2, "read_uncommitted": 4} {
		out, stderr, err := r.run(t, "", "consume", "--topic", pcTopic, "--isolation", iso)
		if err != nil {
			t.Fatalf("%s: %v\n%s", iso, err, stderr)
		}
		if got := len(lines(t, out)); got != want {
			t.Errorf("%s printed %d records; want %d\n%s", iso, got, want, out)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// A writer that fails ends even a --follow consume, with the error.
func TestConsumeStopsWhenOutputFails(t *testing.T) {
	r := newPCRig(t)
	rec, err := testproc.Producer{}.CreatedRecord(context.Background(), r.env.Serde, pcTopic, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
		t.Fatal(err)
	}
	root := newRootCmd()
	root.SetOut(failingWriter{})
	root.SetErr(io.Discard)
	root.SetArgs([]string{"consume", "--topic", pcTopic, "--follow",
		"--brokers", strings.Join(r.env.Brokers, ","), "--registry", r.env.RegistryURL})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = root.ExecuteContext(ctx)
	if err == nil || !strings.Contains(err.Error(), "disk full") || ctx.Err() != nil {
		t.Fatalf("err = %v (ctx %v); want the write error, before the deadline", err, ctx.Err())
	}
}

// --from and --to past a partition's end neither print records from before --from nor wait
// for offsets that do not exist.
func TestConsumeBoundsPastThePartitionEnd(t *testing.T) {
	r := newPCRig(t)
	r.produceAt(t, time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), 9) // offsets 0..2 in each partition
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"--from", "5", "--to", "10"}, 0},
		{[]string{"--from", "5"}, 0},
		{[]string{"--to", "10"}, 9},
		{[]string{"--from", "1", "--to", "10", "--partition", "0"}, 2},
	} {
		out, stderr, err := r.run(t, "", append([]string{"consume", "--topic", pcTopic}, tc.args...)...)
		if err != nil {
			t.Errorf("%v: %v\n%s", tc.args, err, stderr)
			continue
		}
		got := lines(t, out)
		if len(got) != tc.want {
			t.Errorf("%v printed %d records; want %d:\n%s", tc.args, len(got), tc.want, out)
		}
		for _, rec := range got {
			if len(tc.args) > 1 && tc.args[0] == "--from" && rec["offset"].(float64) < 1 {
				t.Errorf("%v printed offset %v, before --from", tc.args, rec["offset"])
			}
		}
	}
}

// With --follow, a --from past the end waits there: the records before it that arrive
// meanwhile are not printed.
func TestConsumeFollowFromPastTheEnd(t *testing.T) {
	r := newPCRig(t)
	r.produceAt(t, time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), 9) // offsets 0..2 in each partition
	pr, pw := io.Pipe()
	root := newRootCmd()
	root.SetOut(pw)
	root.SetErr(io.Discard)
	root.SetArgs([]string{"consume", "--topic", pcTopic, "--partition", "0", "--from", "5", "--follow", "--count", "1",
		"--brokers", strings.Join(r.env.Brokers, ","), "--registry", r.env.RegistryURL})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()
	out := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(pr); out <- b }()

	g := testproc.Producer{}
	cl := r.env.Client(t, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for i := range 3 { // offsets 3, 4, 5 of partition 0
		rec, err := g.CreatedRecord(ctx, r.env.Serde, pcTopic, 100+i)
		if err != nil {
			t.Fatal(err)
		}
		rec.Partition = 0
		if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("consume --follow --from 5: %v", err)
	}
	got := lines(t, string(<-out))
	if len(got) != 1 || got[0]["offset"].(float64) != 5 {
		t.Fatalf("printed %v; want exactly offset 5", got)
	}
}

// A range whose last offsets are an aborted transaction ends although read-committed never
// shows the offset just before --to.
func TestConsumeEndsAtAbortedTransaction(t *testing.T) {
	r := newPCRig(t)
	g := testproc.Producer{Reservations: 1}
	tx := r.env.Client(t, kgo.TransactionalID("consume-abort-test"), kgo.DefaultProduceTopic(pcTopic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx := context.Background()
	// partition 0: committed 0, 1, marker 2; aborted 3, 4, marker 5; committed 6, marker 7
	for n, commit := range []bool{true, false, true} {
		if err := tx.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for i := range 2 - n/2 {
			rec, err := g.CreatedRecord(ctx, r.env.Serde, pcTopic, 2*n+i)
			if err != nil {
				t.Fatal(err)
			}
			rec.Partition = 0
			if err := tx.ProduceSync(ctx, rec).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, err := r.run(t, "", "consume", "--topic", pcTopic, "--partition", "0", "--to", "5")
	if err != nil {
		t.Fatalf("consume --to 5: %v\n%s", err, stderr)
	}
	if got := offsetsOf(t, lines(t, out)); !slices.Equal(got, []string{"0:0", "0:1"}) {
		t.Fatalf("consume --to 5 printed %v; want 0:0 0:1", got)
	}
}

// A registry that does not answer ends consume with an error saying so, instead of printing
// every record as undecodable and exiting 0.
func TestConsumeRegistryDown(t *testing.T) {
	r := newPCRig(t)
	r.produceAt(t, time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), 6)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // a registry that was there and stopped: connections are refused
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetArgs([]string{"consume", "--topic", pcTopic, "--brokers", strings.Join(r.env.Brokers, ","), "--registry", down.URL})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	if err == nil || !strings.Contains(err.Error(), "schema registry unavailable") || ctx.Err() != nil {
		t.Fatalf("err = %v (ctx %v); want the registry named as unavailable", err, ctx.Err())
	}
	if strings.Contains(out.String(), `"error"`) {
		t.Errorf("records were printed as undecodable while the registry was down:\n%s", out.String())
	}
}

// A failed send names the input line, not the record's position among the good lines.
func TestPublishReportsFailedSendsByLine(t *testing.T) {
	r := newPCRig(t)
	huge := strings.Replace(eventJSON(t, 3, true), `"promo_code":null`, `"promo_code":"`+strings.Repeat("A", 2<<20)+`"`, 1)
	if !strings.Contains(huge, "AAAA") {
		t.Fatal("test input has no promo_code to grow")
	}
	in := []string{eventJSON(t, 1, true), `{"reservation_id":5}`, huge, eventJSON(t, 4, true)}
	_, stderr, err := r.run(t, strings.Join(in, "\n"), "publish", "--topic", pcTopic, "--continue-on-error")
	if err == nil {
		t.Fatal("publish with a bad line and a record too large succeeded")
	}
	if !strings.Contains(stderr, "line 3: producing") || strings.Contains(stderr, "record 2") {
		t.Fatalf("the failed send is not reported as line 3:\n%.600s", stderr)
	}
	if !strings.Contains(stderr, "2 sent") || r.ends(t, pcTopic) != 2 {
		t.Fatalf("want lines 1 and 4 sent:\n%.600s", stderr)
	}
}

// The checking pass keeps no records: checking a large file takes little memory beyond one
// line. (The sending pass encodes publishBatch records at a time.)
func TestPublishCheckPassMemoryIsFlat(t *testing.T) {
	r := newPCRig(t)
	const n = 20_000
	line := eventJSON(t, 1, true) + "\n"
	path := t.TempDir() + "/big.jsonl"
	if err := os.WriteFile(path, []byte(strings.Repeat(line, n)), 0o600); err != nil {
		t.Fatal(err)
	}
	defer debug.SetGCPercent(debug.SetGCPercent(10)) // garbage must not hide what is kept
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var m runtime.MemStats
		var top uint64
		for {
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapAlloc)
			select {
			case <-stop:
				peak <- top
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	_, stderr, err := r.run(t, "", "publish", "--topic", pcTopic, "--file", path, "--dry-run")
	close(stop)
	grew := int64(<-peak) - int64(base.HeapAlloc)
	if err != nil || !strings.Contains(stderr, fmt.Sprintf("%d lines fit", n)) {
		t.Fatalf("dry run: %v\n%s", err, stderr)
	}
	t.Logf("heap grew %d KiB checking %d lines", grew>>10, n)
	if input := int64(len(line) * n); grew > input/2 {
		t.Errorf("checking %d MB of input grew the heap by %d MB; want under half the input (it was more than all of it when every record was kept)", input>>20, grew>>20)
	}
}

// More lines than one send batch, from stdin (spooled to a temporary file between the
// passes), all arrive.
func TestPublishManyLinesFromStdin(t *testing.T) {
	r := newPCRig(t)
	const n = publishBatch*2 + 7
	line := eventJSON(t, 1, true)
	_, stderr, err := r.run(t, strings.Repeat(line+"\n", n), "publish", "--topic", pcTopic)
	if err != nil {
		t.Fatalf("publish: %v\n%s", err, stderr)
	}
	if got := r.ends(t, pcTopic); got != n {
		t.Fatalf("%d records arrived; want %d\n%s", got, n, stderr)
	}
}

// Every topic named in publish's and consume's --help and in their guide is declared in
// topics.yaml, so examples can be pasted as they are.
func TestPublishConsumeHelpNamesDeclaredTopics(t *testing.T) {
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/publishing-and-consuming.md")
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{"docs/publishing-and-consuming.md": string(doc)}
	for _, c := range []*cobra.Command{newPublishCmd(), newConsumeCmd()} {
		texts[c.Name()+" --help"] = c.Long + c.Example
	}
	name := regexp.MustCompile(`novatrek(\.[a-z0-9-]+)+`)
	for where, text := range texts {
		for _, n := range name.FindAllString(text, -1) {
			if _, ok := topo.Topic(n); !ok {
				t.Errorf("%s names topic %s, which topics.yaml does not declare", where, n)
			}
		}
	}
}

// A bounded partition that stays quiet with its whole range in the log counts as read to
// its end (its last offsets hold nothing visible, e.g. compacted away); one still waiting
// for records past its end (--follow --to beyond it) does not, nor does one heard from lately.
func TestConsumeDrainedPartitions(t *testing.T) {
	r := newPCRig(t)
	r.produceAt(t, time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), 9) // ends 3, 3, 3
	plan := consumePlan{to: map[int32]int64{0: 3, 1: 10, 2: 3}}
	open := map[int32]bool{0: true, 1: true, 2: true}
	lastSeen := map[int32]time.Time{2: time.Now()}
	started := time.Now().Add(-2 * consumeDrainWait)
	got, err := drainedPartitions(context.Background(), kadm.NewClient(r.cl), pcTopic, plan, open, lastSeen, started, kgo.ReadCommitted())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []int32{0}) {
		t.Fatalf("drained = %v; want [0]", got)
	}
}
