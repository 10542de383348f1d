package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/logtest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/reviews"
	"github.com/novatrek/support/publish"
)

// asCLIEnv makes the test binary run as the novatrek command (TestMain), so a test can
// start instances as separate processes without building the binary first.
const asCLIEnv = "NOVATREK_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(asCLIEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// instance is one `novatrek run` process started by a test.
type instance struct {
	cmd  *exec.Cmd
	addr string
	out  *logtest.Buffer
}

// startInstance starts `novatrek run args...` as a child process (this test binary, as the
// CLI) serving on a free address, and waits until it answers /readyz.
func startInstance(t *testing.T, args ...string) *instance {
	t.Helper()
	in := &instance{addr: freeAddr(t), out: &logtest.Buffer{}}
	in.cmd = exec.Command(os.Args[0], append(append([]string{"run"}, args...), "--http-addr", in.addr)...)
	in.cmd.Env = append(os.Environ(), asCLIEnv+"=1")
	in.cmd.Stdout, in.cmd.Stderr = in.out, in.out
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = in.cmd.Process.Kill()
		_ = in.cmd.Wait()
	})
	waitFor(t, 60*time.Second, "instance on "+in.addr+" ready", func() bool {
		resp, err := http.Get("http://" + in.addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, in.out)
	return in
}

// metric reads the first sample of name from the instance's /metrics (-1 when absent).
func (in *instance) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + in.addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, name); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "{")) {
			f := strings.Fields(line)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err != nil {
				t.Fatalf("metric line %q: %v", line, err)
			}
			return v
		}
	}
	return -1
}

// waitFor polls cond every 100 ms and fails the test after timeout, printing logs.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool, logs ...*logtest.Buffer) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			for _, l := range logs {
				t.Log(l.String())
			}
			t.Fatalf("not within %v: %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTwoInstancesShareTheGroupAndTheSurvivorTakesOver runs svc-reviews as two processes
// against one broker and one database: both join the group and each is assigned partitions,
// exactly one leads the store's outbox relay; after a SIGKILL of the relay's leader the
// survivor owns every partition and leads the relay, and every event published before and
// after the kill is applied exactly once (its inbox holds each event id once, and as many
// as were sent).
func TestTwoInstancesShareTheGroupAndTheSurvivorTakesOver(t *testing.T) {
	t.Parallel()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	env := kafkaWithTopics(t, 6)
	dbURL := pgtest.URL(t)
	args := []string{reviews.ServiceName, "--brokers", strings.Join(env.Brokers, ","), "--registry", env.RegistryURL, "--database-url", dbURL}
	a := startInstance(t, args...)
	b := startInstance(t, args...)

	adm := kadm.NewClient(env.Client(t))
	waitFor(t, 60*time.Second, "both instances assigned partitions", func() bool {
		return assignedMembers(t, adm, reviews.ServiceName) == 2
	}, a.out, b.out)
	waitFor(t, 30*time.Second, "exactly one relay leader", func() bool {
		return a.metric(t, "novatrek_outbox_leader")+b.metric(t, "novatrek_outbox_leader") == 1
	}, a.out, b.out)

	ctx := context.Background()
	topic := reviews.TopicReservationStatus
	sent := simulateEvents(t, env, topo, "two-instances-1")[topic]
	leader, survivor := a, b
	if b.metric(t, "novatrek_outbox_leader") == 1 {
		leader, survivor = b, a
	}
	if err := leader.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	sent += simulateEvents(t, env, topo, "two-instances-2")[topic]
	if sent == 0 {
		t.Fatalf("the simulator sent nothing to %s", topic)
	}
	waitFor(t, 60*time.Second, "the survivor leads the relay", func() bool {
		return survivor.metric(t, "novatrek_outbox_leader") == 1
	}, survivor.out)
	waitFor(t, 60*time.Second, "one member left in the group", func() bool {
		return assignedMembers(t, adm, reviews.ServiceName) == 1
	}, survivor.out)

	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var applied int
	waitFor(t, 60*time.Second, fmt.Sprintf("%d events of %s applied", sent, topic), func() bool {
		err := conn.QueryRow(ctx, `SELECT count(*) FROM reviews.inbox WHERE consumer_group = $1 AND topic = $2`, reviews.ServiceName, topic).Scan(&applied)
		return err == nil && applied >= sent
	}, survivor.out)
	if applied != sent {
		t.Fatalf("inbox holds %d events of %s, %d were sent", applied, topic, sent)
	}
	t.Logf("%d events of %s applied once across the kill", applied, topic)
}

// simulateEvents publishes two seconds of simulated traffic at 200 events/s and returns how
// many went to each topic.
func simulateEvents(t *testing.T, env *kafkatest.Env, topo *topology.Topology, seed string) map[string]int {
	t.Helper()
	cl := env.Client(t)
	pub, err := publish.New(cl, env.RegistryURL, publish.WithSerde(env.Serde), publish.WithTopology(topo))
	if err != nil {
		t.Fatal(err)
	}
	st, err := simulate.Run(context.Background(), simulate.Config{Rate: 200, Duration: 2 * time.Second, Seed: seed,
		Topology: topo, Sink: simulate.NewPublishSink(cl, pub)})
	if err != nil {
		t.Fatal(err)
	}
	return st.ByTopic
}

// assignedMembers counts the members of group that are assigned at least one partition.
func assignedMembers(t *testing.T, adm *kadm.Client, group string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	described, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return -1
	}
	n := 0
	for _, m := range described[group].Members {
		if c, ok := m.Assigned.AsConsumer(); ok {
			for _, tp := range c.Topics {
				if len(tp.Partitions) > 0 {
					n++
					break
				}
			}
		}
	}
	return n
}
