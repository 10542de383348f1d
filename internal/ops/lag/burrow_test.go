package lag_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/kafkatest"
)

// BurrowVar names the Burrow binary the comparison runs. Debian's burrow 1.2.1 cannot read
// Kafka 4 (docs/lag.md says why), so there is no default: the test runs only when it is set.
const BurrowVar = "NOVATREK_BURROW"

// burrowScenario is one consumer group on its own one-partition topic, driven step by step.
// At every step the scenario produces and commits as its step function says; our observer
// takes one observation after each step, and Burrow reads the commits from
// __consumer_offsets. want* are the statuses each side reports at the end.
type burrowScenario struct {
	name string
	// backlog is produced before the first step.
	backlog int
	// member: the group has a live member owning the partition (a kgo consumer that joined
	// and commits through its generation), as a stuck service would.
	member bool
	// step returns how many records to produce and the offset to commit at step i given the
	// high watermark after producing; commit < 0 commits nothing.
	step func(i int, hw int64) (produce int, commit int64)
	// wantOurs and wantBurrow are the partition statuses at the end.
	wantOurs, wantBurrow string
}

// burrowSteps is the scripted length of every scenario: one commit a second, more than
// twice Burrow's window of burrowIntervals commits, so its STOP rule (no commit for longer
// than the window spanned) can fire.
const (
	burrowSteps     = 12
	burrowIntervals = 5
	burrowStepEvery = time.Second
	// burrowRewindAt is late enough that the rewind is still in Burrow's window at the end.
	burrowRewindAt = burrowSteps - 3
)

func burrowScenarios() []burrowScenario {
	return []burrowScenario{
		{name: "caught-up", step: func(i int, hw int64) (int, int64) { return 1, hw + 1 },
			wantOurs: "OK", wantBurrow: "OK"},
		{name: "falling-behind", step: func(i int, hw int64) (int, int64) { return 3, int64(i + 1) },
			wantOurs: "WARN", wantBurrow: "WARN"},
		{name: "keeping-pace", backlog: 10, step: func(i int, hw int64) (int, int64) { return 1, int64(i + 1) },
			wantOurs: "OK", wantBurrow: "WARN"},
		{name: "stalled", backlog: 10, member: true, step: func(i int, hw int64) (int, int64) { return 1, 2 },
			wantOurs: "STALL", wantBurrow: "STALL"},
		{name: "hung", backlog: 10, member: true, step: func(i int, hw int64) (int, int64) {
			if i < burrowIntervals {
				return 1, 2
			}
			return 1, -1 // the handler hangs: the member heartbeats but commits nothing
		}, wantOurs: "STALL", wantBurrow: "STOP"},
		{name: "stopped", step: func(i int, hw int64) (int, int64) {
			if i < burrowIntervals {
				return 1, hw + 1
			}
			return 1, -1
		}, wantOurs: "STOP", wantBurrow: "STOP"},
		{name: "rewound", backlog: 20, step: func(i int, hw int64) (int, int64) {
			switch {
			case i < burrowRewindAt:
				return 1, hw + 1 // caught up
			case i == burrowRewindAt:
				return 1, 0 // groups reset --to-earliest
			default:
				return 1, int64(2 * (i - burrowRewindAt)) // replaying, well behind the old position
			}
		}, wantOurs: "OK", wantBurrow: "REWIND"},
	}
}

// TestLagBesideBurrow runs Burrow and our observer on the same scripted groups of a real
// broker and compares their statuses; docs/lag.md has the table and why ours differ where
// they do. It needs a real broker (Burrow reads __consumer_offsets, which kfake does not
// have) and a Burrow that reads Kafka 4 (NOVATREK_BURROW).
func TestLagBesideBurrow(t *testing.T) {
	real, err := kafkatest.Real()
	if err != nil {
		t.Fatal(err)
	}
	if !real {
		t.Skipf("lag beside Burrow: skipped on kfake: Burrow reads __consumer_offsets of a real broker (%s=real KAFKA_BROKERS=...)", kafkatest.ModeVar)
	}
	burrow := os.Getenv(BurrowVar)
	if burrow == "" {
		t.Skipf("lag beside Burrow: skipped: %s names no Burrow binary (one that reads Kafka 4; see docs/lag.md)", BurrowVar)
	}
	env := kafkatest.New(t)
	ctx := t.Context()
	scenarios := burrowScenarios()
	topicOf := func(s burrowScenario) string { return "lagcmp." + s.name }
	groupOf := func(s burrowScenario) string { return "lagcmp-" + s.name }

	cl := env.Client(t, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	adm := kadm.NewClient(cl)
	consumes := map[string][]string{}
	for _, s := range scenarios {
		env.CreateTopics(t, 1, topicOf(s))
		produceN(t, cl, topicOf(s), s.backlog+1) // Burrow ignores partitions without offsets
		consumes[groupOf(s)] = []string{topicOf(s)}
	}
	members := map[string]*kgo.Client{}
	for _, s := range scenarios {
		if s.member {
			members[s.name] = env.Client(t, kgo.ConsumerGroup(groupOf(s)), kgo.ConsumeTopics(topicOf(s)), kgo.DisableAutoCommit())
			streamtest.Eventually(t, groupOf(s)+"'s member to own the partition", func() (bool, error) {
				d, err := adm.DescribeGroups(ctx, groupOf(s))
				if err != nil {
					return false, err
				}
				g := d[groupOf(s)]
				return g.State == "Stable" && len(g.Members) == 1 && len(g.AssignedPartitions()[topicOf(s)]) == 1, nil
			})
		}
	}

	url := startBurrow(t, burrow, env.Brokers)
	streamtest.Eventually(t, "Burrow to list the scenario topics", func() (bool, error) {
		var body struct{ Topics []string }
		if err := getJSON(ctx, url+"/v3/kafka/local/topic", &body); err != nil {
			return false, nil // not listening yet; the wait's timeout reports a Burrow that never does
		}
		return containsAll(body.Topics, "lagcmp."+scenarios[len(scenarios)-1].name), nil
	})
	obs, err := lag.New(lag.Config{Client: cl, Consumes: consumes, Window: burrowIntervals * burrowStepEvery})
	if err != nil {
		t.Fatal(err)
	}

	for i := range burrowSteps {
		for _, s := range scenarios {
			hw := endOffset(t, adm, topicOf(s))
			n, commit := s.step(i, hw)
			produceN(t, cl, topicOf(s), n)
			if commit >= 0 {
				commitOffset(t, adm, members[s.name], groupOf(s), topicOf(s), commit)
			}
		}
		if _, err := obs.Observe(ctx); err != nil {
			t.Fatalf("observe at step %d: %v", i, err)
		}
		time.Sleep(burrowStepEvery) // the commit pace Burrow's window is made of, not an assertion
	}

	snap, err := obs.Observe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scenarios {
		ours := ourStatus(snap, groupOf(s))
		theirs := burrowStatus(t, url, groupOf(s))
		t.Logf("%-15s ours %-6s (%s)  Burrow %-6s", s.name, ours.Status, ours.Reason, theirs)
		if ours.Status.String() != s.wantOurs || theirs != s.wantBurrow {
			t.Errorf("%s: ours %s, Burrow %s; want ours %s, Burrow %s", s.name, ours.Status, theirs, s.wantOurs, s.wantBurrow)
		}
	}
}

// startBurrow writes a configuration for the brokers with small intervals (offsets every
// second, a window of burrowIntervals commits, no evaluation cache) and runs Burrow on a free
// port until the test ends; it returns the HTTP API's base URL.
func startBurrow(t *testing.T, bin string, brokers []string) string {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	servers := `"` + strings.Join(brokers, `","`) + `"`
	conf := fmt.Sprintf(`[general]
pidfile="%[1]s/burrow.pid"
[logging]
level="warn"
[client-profile.kafka4]
client-id="burrow-lagcmp"
kafka-version="3.6.0"
[cluster.local]
class-name="kafka"
servers=[%[2]s]
client-profile="kafka4"
topic-refresh=1
offset-refresh=1
[consumer.local]
class-name="kafka"
cluster="local"
servers=[%[2]s]
client-profile="kafka4"
offsets-topic="__consumer_offsets"
start-latest=false
group-allowlist="^lagcmp-.*$"
[storage.default]
class-name="inmemory"
intervals=%[4]d
min-distance=0
expire-group=3600
[evaluator.default]
class-name="caching"
expire-cache=0
[httpserver.default]
address="%[3]s"
`, dir, servers, addr, burrowIntervals)
	if err := os.WriteFile(filepath.Join(dir, "burrow.toml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-config-dir", dir)
	log, err := os.Create(filepath.Join(dir, "burrow.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "burrow.log"))
			t.Logf("Burrow's log:\n%s", b)
		}
	})
	return "http://" + addr
}

// burrowStatus is the status Burrow gives the group's one partition.
func burrowStatus(t *testing.T, url, group string) string {
	t.Helper()
	var body struct {
		Error   bool
		Message string
		Status  struct {
			Partitions []struct{ Status string }
		}
	}
	if err := getJSON(t.Context(), url+"/v3/kafka/local/consumer/"+group+"/lag", &body); err != nil {
		t.Fatalf("Burrow lag of %s: %v", group, err)
	}
	if body.Error || len(body.Status.Partitions) != 1 {
		t.Fatalf("Burrow lag of %s: %s, %d partitions; want one", group, body.Message, len(body.Status.Partitions))
	}
	return body.Status.Partitions[0].Status
}

func ourStatus(snap lag.Snapshot, group string) lag.Evaluation {
	for _, g := range snap.Groups {
		if g.Group == group && len(g.Partitions) == 1 {
			return g.Partitions[0].Evaluation
		}
	}
	return lag.Evaluation{Status: lag.ERR, Reason: "group not observed"}
}

func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func containsAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

func produceN(t *testing.T, cl *kgo.Client, topic string, n int) {
	t.Helper()
	for range n {
		if err := cl.ProduceSync(t.Context(), &kgo.Record{Topic: topic, Partition: 0, Value: []byte("x")}).FirstErr(); err != nil {
			t.Fatalf("produce to %s: %v", topic, err)
		}
	}
}

func endOffset(t *testing.T, adm *kadm.Client, topic string) int64 {
	t.Helper()
	ends, err := adm.ListEndOffsets(t.Context(), topic)
	if err != nil {
		t.Fatalf("end offset of %s: %v", topic, err)
	}
	o, _ := ends.Lookup(topic, 0)
	return o.Offset
}

// commitOffset commits offset for the group: through the member's generation when it has
// one, else as an admin commit (an empty group, as `groups reset` and Spark-like tools do).
func commitOffset(t *testing.T, adm *kadm.Client, member *kgo.Client, group, topic string, offset int64) {
	t.Helper()
	if member != nil {
		var err error
		member.CommitOffsetsSync(t.Context(), map[string]map[int32]kgo.EpochOffset{topic: {0: {Epoch: -1, Offset: offset}}},
			func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, e error) {
				err = e
				for _, rt := range resp.Topics {
					for _, rp := range rt.Partitions {
						if err == nil {
							err = kerr.ErrorForCode(rp.ErrorCode)
						}
					}
				}
			})
		if err != nil {
			t.Fatalf("member commit %s %d: %v", group, offset, err)
		}
		return
	}
	var offs kadm.Offsets
	offs.Add(kadm.Offset{Topic: topic, Partition: 0, At: offset, LeaderEpoch: -1})
	resp, err := adm.CommitOffsets(t.Context(), group, offs)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("commit %s %d: %v", group, offset, err)
	}
}
