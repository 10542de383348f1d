package devstack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/testkit/pgtest"
)

const restartGroup = "devstack-restart-test"

// TestRestartKeepsTopicsRecordsOffsetsAndSchemaIDs is the dev stack's promise: stop it,
// start it again on the same data dir, and everything a developer produced, committed and
// registered is still there.
func TestRestartKeepsTopicsRecordsOffsetsAndSchemaIDs(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfg := testConfig(t, t.TempDir())
	cfg.DatabaseURL = pgtest.URLToCreate(t)
	var banner bytes.Buffer
	cfg.Banner = &banner

	s1, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("first start: %v", err)
	}
	t.Cleanup(func() { s1.Close(context.Background()) })
	t.Logf("banner:\n%s", banner.String())
	if !strings.Contains(banner.String(), s1.Brokers()[0]) || !strings.Contains(banner.String(), s1.RegistryURL()) {
		t.Errorf("banner does not say where Kafka and the registry are:\n%s", banner.String())
	}
	if !strings.Contains(banner.String(), "from DATABASE_URL, used as is") || !strings.Contains(banner.String(), "from VALKEY_URL, used as is") {
		t.Errorf("banner does not say the given DATABASE_URL and VALKEY_URL are used as is:\n%s", banner.String())
	}
	if err := s1.DB().Ping(ctx); err != nil {
		t.Fatalf("the stack did not create and connect its database: %v", err)
	}
	checkTopics(t, s1)
	checkHTTP(t, s1)
	checkKcat(t, s1)
	idsBefore := schemaIDs(t, s1)
	if want := topicsWithSchema(s1); len(idsBefore) != want {
		t.Errorf("registry has %d subjects after start; want one per topic with a schema (%d)", len(idsBefore), want)
	}

	topic := s1.cfg.Topology.Topics[0].Name
	produced := produce(t, s1.Brokers(), topic, "before", 20)
	consumeInGroup(t, s1.Brokers(), topic, len(produced))
	offsetsBefore := groupOffsets(t, s1.Brokers(), topic)
	clusterBefore := clusterID(t, s1)

	if err := s1.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}

	s2, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	t.Cleanup(func() { s2.Close(context.Background()) })

	checkTopics(t, s2)
	if after := clusterID(t, s2); after != clusterBefore {
		t.Errorf("the cluster id changed across a restart: %s, then %s", clusterBefore, after)
	}
	if idsAfter := schemaIDs(t, s2); !equalIDs(idsBefore, idsAfter) {
		t.Errorf("schema ids changed across a restart:\nbefore %v\nafter  %v", idsBefore, idsAfter)
	}
	if got := readAll(t, s2.Brokers(), topic, len(produced)); !equalRecords(got, produced) {
		t.Errorf("records changed across a restart:\nbefore %v\nafter  %v", produced, got)
	}
	if offsetsAfter := groupOffsets(t, s2.Brokers(), topic); fmt.Sprint(offsetsAfter) != fmt.Sprint(offsetsBefore) {
		t.Errorf("committed offsets changed across a restart: before %v, after %v", offsetsBefore, offsetsAfter)
	}
	// The group resumes where it committed: it sees only what was produced after the restart.
	after := produce(t, s2.Brokers(), topic, "after", 3)
	if got := consumeInGroup(t, s2.Brokers(), topic, len(after)); !equalRecords(got, after) {
		t.Errorf("group resumed with %v; want only the records produced after the restart %v", got, after)
	}
}

func checkTopics(t *testing.T, s *Stack) {
	t.Helper()
	adm := kadm.NewClient(newClient(t, s.Brokers()))
	details, err := adm.ListTopics(t.Context())
	if err != nil {
		t.Fatalf("list topics: %v", err)
	}
	for _, tp := range s.cfg.Topology.Topics {
		d, ok := details[tp.Name]
		if !ok || d.Err != nil {
			t.Errorf("topic %s missing from metadata", tp.Name)
			continue
		}
		if got := int32(len(d.Partitions)); got != tp.Partitions {
			t.Errorf("topic %s has %d partitions; topics.yaml says %d", tp.Name, got, tp.Partitions)
		}
	}
	cfgs, err := adm.DescribeTopicConfigs(t.Context(), s.cfg.Topology.Topics[0].Name)
	if err != nil {
		t.Fatalf("describe configs: %v", err)
	}
	want := s.cfg.Topology.Topics[0].Configs()
	for _, rc := range cfgs {
		for _, c := range rc.Configs {
			if w, ok := want[c.Key]; ok && c.MaybeValue() != w {
				t.Errorf("topic %s config %s = %q; topics.yaml says %q", rc.Name, c.Key, c.MaybeValue(), w)
			}
		}
	}
}

// checkKcat lists the topics with a third-party client, librdkafka's kcat, when installed.
func checkKcat(t *testing.T, s *Stack) {
	t.Helper()
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Log("kcat is not installed: skipping the third-party client check (apt-get install kcat)")
		return
	}
	out, err := exec.CommandContext(t.Context(), kcat, "-b", s.Brokers()[0], "-L", "-m", "10").CombinedOutput()
	if err != nil {
		t.Fatalf("kcat -L: %v\n%s", err, out)
	}
	for _, tp := range s.cfg.Topology.Topics {
		if !strings.Contains(string(out), `topic "`+tp.Name+`"`) {
			t.Errorf("kcat -L does not list topic %s:\n%s", tp.Name, out)
		}
	}
}

func checkHTTP(t *testing.T, s *Stack) {
	t.Helper()
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "go_goroutines"} {
		resp, err := http.Get("http://" + s.HTTPAddr() + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d %q; want 200 containing %q", path, resp.StatusCode, body, want)
		}
	}
}

func topicsWithSchema(s *Stack) int {
	n := 0
	for _, tp := range s.cfg.Topology.Topics {
		if tp.HasSchema() {
			n++
		}
	}
	return n
}

// schemaIDs maps subject -> the ids of its versions, oldest first.
func schemaIDs(t *testing.T, s *Stack) map[string][]int {
	t.Helper()
	subjects, err := s.Registry().Subjects(t.Context())
	if err != nil {
		t.Fatalf("list subjects: %v", err)
	}
	out := map[string][]int{}
	for _, sub := range subjects {
		versions, err := s.Registry().Schemas(t.Context(), sub)
		if err != nil {
			t.Fatalf("versions of %s: %v", sub, err)
		}
		for _, v := range versions {
			out[sub] = append(out[sub], v.ID)
		}
	}
	return out
}

func equalIDs(a, b map[string][]int) bool { return fmt.Sprint(a) == fmt.Sprint(b) } // fmt sorts map keys

type rec struct {
	Partition int32
	Offset    int64
	Key       string
	Value     string
}

func newClient(t *testing.T, brokers []string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func produce(t *testing.T, brokers []string, topic, prefix string, n int) []rec {
	t.Helper()
	cl := newClient(t, brokers)
	var out []rec
	for i := range n {
		r := &kgo.Record{Topic: topic, Key: fmt.Appendf(nil, "%s-key-%d", prefix, i), Value: fmt.Appendf(nil, "%s-value-%d", prefix, i)}
		if err := cl.ProduceSync(t.Context(), r).FirstErr(); err != nil {
			t.Fatalf("produce: %v", err)
		}
		out = append(out, toRec(r))
	}
	return out
}

func toRec(r *kgo.Record) rec {
	return rec{Partition: r.Partition, Offset: r.Offset, Key: string(r.Key), Value: string(r.Value)}
}

// consumeInGroup reads n records as restartGroup and commits them.
func consumeInGroup(t *testing.T, brokers []string, topic string, n int) []rec {
	t.Helper()
	cl := newClient(t, brokers,
		kgo.ConsumerGroup(restartGroup),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
	)
	got := poll(t, cl, n)
	if err := cl.CommitUncommittedOffsets(t.Context()); err != nil {
		t.Fatalf("commit: %v", err)
	}
	cl.Close() // leaves the group, so the next member gets every partition at once
	return got
}

// readAll reads n records of topic from the start, outside any group.
func readAll(t *testing.T, brokers []string, topic string, n int) []rec {
	t.Helper()
	cl := newClient(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	return poll(t, cl, n)
}

func poll(t *testing.T, cl *kgo.Client, n int) []rec {
	t.Helper()
	// A guard against hanging forever when records are missing, not a timing assertion.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var got []rec
	for len(got) < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("polled %d of %d records: %v", len(got), n, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) { got = append(got, toRec(r)) })
	}
	if len(got) > n {
		t.Fatalf("polled %d records; want %d", len(got), n)
	}
	return got
}

// equalRecords compares as sets: order is per partition only.
func equalRecords(a, b []rec) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[rec]int{}
	for _, r := range a {
		seen[r]++
	}
	for _, r := range b {
		if seen[r] == 0 {
			return false
		}
		seen[r]--
	}
	return true
}

func groupOffsets(t *testing.T, brokers []string, topic string) map[int32]int64 {
	t.Helper()
	adm := kadm.NewClient(newClient(t, brokers))
	resp, err := adm.FetchOffsets(t.Context(), restartGroup)
	if err != nil {
		t.Fatalf("fetch offsets: %v", err)
	}
	out := map[int32]int64{}
	resp.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic && o.Err == nil {
			out[o.Partition] = o.At
		}
	})
	if len(out) == 0 {
		t.Fatalf("group %s has no committed offsets on %s", restartGroup, topic)
	}
	return out
}

// clusterID is the cluster id the stack's broker reports in metadata.
func clusterID(t *testing.T, s *Stack) string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	md, err := kadm.NewClient(cl).BrokerMetadata(t.Context())
	if err != nil {
		t.Fatalf("metadata of %v: %v", s.Brokers(), err)
	}
	return md.Cluster
}
