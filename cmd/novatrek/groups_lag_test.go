package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
)

// lagRig is a cluster with one topic of n records, a group left behind at k (no members,
// not one of our services: an ad-hoc consumer nobody runs) and a group caught up at n.
type lagRig struct {
	env   *kafkatest.Env
	cl    *kgo.Client
	topic string
}

const lagRigN, lagRigK = 10, 4

func newLagRig(t *testing.T) *lagRig {
	t.Helper()
	env := kafkatest.New(t)
	r := &lagRig{env: env, cl: env.Client(t), topic: "lagcli.topic"}
	ctx := context.Background()
	adm := kadm.NewClient(r.cl)
	if _, err := adm.CreateTopic(ctx, 1, -1, nil, r.topic); err != nil {
		t.Fatal(err)
	}
	for i := range lagRigN {
		if err := r.cl.ProduceSync(ctx, &kgo.Record{Topic: r.topic, Value: []byte{byte(i)}}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	for group, at := range map[string]int64{"g-stopped": lagRigK, "g-done": lagRigN} {
		var os kadm.Offsets
		os.AddOffset(r.topic, 0, at, -1)
		if resp, err := adm.CommitOffsets(ctx, group, os); err != nil || resp.Error() != nil {
			t.Fatalf("commit %s: %v %v", group, err, resp.Error())
		}
	}
	return r
}

func (r *lagRig) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return execute(t, newRootCmd(), append(append([]string{"groups"}, args...), "--brokers", r.env.Brokers[0])...)
}

// TestGroupsListAndDescribe: a group nobody runs, with lag, is listed and described as
// EMPTY (not STOP) and does not fail the commands; --include-inactive makes it count.
func TestGroupsListAndDescribe(t *testing.T) {
	t.Parallel()
	r := newLagRig(t)

	out, err := r.run(t, "list")
	if err != nil {
		t.Fatalf("groups list with only an abandoned group lagging: err = %v (exit %d); want exit 0\n%s", err, exitStatus(err), out)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^GROUP +STATE +MEMBERS +TOPICS +LAG +LAG-SECONDS +STATUS$`),
		regexp.MustCompile(`(?m)^g-stopped +Empty +0 +1 +6 +\S+ +EMPTY$`),
		regexp.MustCompile(`(?m)^g-done +Empty +0 +1 +0 +- +OK$`),
		regexp.MustCompile(`(?m)^svc-notifications +Dead +0 +0 +0 +- +OK$`), // ours, never started
		regexp.MustCompile(`STALL and WARN need --samples`),
	} {
		if !want.MatchString(out) {
			t.Errorf("groups list output does not match %s:\n%s", want, out)
		}
	}

	out, err = r.run(t, "list", "--include-inactive")
	if !errors.Is(err, errGroupsNotOK) || !strings.Contains(err.Error(), "g-stopped EMPTY") || exitStatus(err) != exitGroupsNotOK {
		t.Errorf("groups list --include-inactive: err = %v (exit %d); want errGroupsNotOK naming g-stopped EMPTY, exit %d\n%s",
			err, exitStatus(err), exitGroupsNotOK, out)
	}

	out, err = r.run(t, "list", "-o", "json")
	if err != nil {
		t.Errorf("groups list -o json: err = %v; want nil", err)
	}
	var groups []lag.Group
	if err := json.Unmarshal([]byte(out), &groups); err != nil {
		t.Fatalf("groups list -o json is not a JSON array of groups: %v\n%s", err, out)
	}

	out, err = r.run(t, "describe", "g-stopped", "-o", "json")
	if err != nil {
		t.Errorf("describe g-stopped: err = %v; want nil (nobody runs it)", err)
	}
	var g lag.Group
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatalf("describe -o json: %v\n%s", err, out)
	}
	if len(g.Partitions) != 1 || g.Partitions[0].Committed != lagRigK || g.Partitions[0].End != lagRigN ||
		g.Partitions[0].Lag != lagRigN-lagRigK || g.Partitions[0].LagSeconds <= 0 || g.Status != lag.EMPTY || !g.Inactive {
		t.Errorf("describe g-stopped = %+v; want one partition committed %d, end %d, lag %d, lag seconds > 0, EMPTY, inactive",
			g, lagRigK, lagRigN, lagRigN-lagRigK)
	}

	out, err = r.run(t, "describe", "g-stopped", "--include-inactive")
	if !errors.Is(err, errGroupsNotOK) {
		t.Errorf("describe g-stopped --include-inactive (table): err = %v; want errGroupsNotOK", err)
	}
	if !regexp.MustCompile(`(?m)^lagcli\.topic +0 +4 +10 +6 +\S+ +EMPTY +-$`).MatchString(out) {
		t.Errorf("describe table lacks the partition row:\n%s", out)
	}
}

// TestGroupsDescribeExitStatus: describe exits 0 for an OK group, 2 for an unknown one.
func TestGroupsDescribeExitStatus(t *testing.T) {
	t.Parallel()
	r := newLagRig(t)
	if out, err := r.run(t, "describe", "g-done"); err != nil {
		t.Errorf("describe g-done: %v\n%s", err, out)
	}
	out, err := r.run(t, "describe", "g-unknown")
	if !errors.Is(err, errGroupsNotOK) || !strings.Contains(err.Error(), "g-unknown ERR") || !strings.Contains(out, "does not know") {
		t.Errorf("describe g-unknown: err = %v; want errGroupsNotOK naming it ERR\n%s", err, out)
	}
}

// TestGroupsOurServiceNeverRan: one of the services this binary runs, whose group the
// cluster does not know, is STOP with the records waiting on its topics counted from the log
// start; a declared service this binary does not run (while one is left) is not listed.
func TestGroupsOurServiceNeverRan(t *testing.T) {
	t.Parallel()
	r := newLagRig(t)
	const topic, n = "novatrek.booking.reservation.status-changed", 3 // svc-payments consumes it
	ctx := context.Background()
	if _, err := kadm.NewClient(r.cl).CreateTopic(ctx, 1, -1, nil, topic); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := r.cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte{byte(i)}}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	out, err := r.run(t, "lag", "svc-payments", "--samples", "1")
	if !errors.Is(err, errGroupsNotOK) || !strings.Contains(err.Error(), "svc-payments STOP") {
		t.Errorf("groups lag svc-payments (never ran, %d records waiting): err = %v; want STOP\n%s", n, err, out)
	}
	out, _ = r.run(t, "list")
	if !regexp.MustCompile(`(?m)^svc-payments +Dead +0 +1 +3 +\S+ +STOP$`).MatchString(out) {
		t.Errorf("groups list lacks svc-payments Dead, 1 topic, lag 3, STOP:\n%s", out)
	}
	if name := notRun(t); name != "" && strings.Contains(out, name) {
		t.Errorf("groups list shows %s, which this binary does not run:\n%s", name, out)
	}
}

// notRun is one of our services topics.yaml declares as a consumer and this binary does not
// run yet, "" once all are built.
func notRun(t *testing.T) string {
	t.Helper()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range topo.ConsumerGroups() {
		if !slices.ContainsFunc(services(), func(d service.Definition) bool { return d.Describe().Name == g }) {
			return g
		}
	}
	t.Log("every consumer group topics.yaml declares is built: nothing left to check as not run")
	return ""
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	if got := exitStatus(errors.New("could not observe")); got != 1 {
		t.Errorf("exitStatus(plain error) = %d; want 1", got)
	}
	err := fmt.Errorf("groups lag: %w", notOK([]lag.Group{{Group: "g", Status: lag.STOP}}, false))
	if got := exitStatus(err); got != exitGroupsNotOK {
		t.Errorf("exitStatus(%v) = %d; want %d", err, got, exitGroupsNotOK)
	}
	if notOK([]lag.Group{{Group: "g", Status: lag.OK}}, true) != nil {
		t.Error("notOK of an OK group is not nil")
	}
	abandoned := []lag.Group{{Group: "g", Status: lag.ERR, Inactive: true}}
	if err := notOK(abandoned, false); err != nil {
		t.Errorf("notOK of a group nobody runs = %v; want nil without --include-inactive", err)
	}
	if err := notOK(abandoned, true); err == nil {
		t.Error("notOK of a group nobody runs, ERR, with --include-inactive = nil; want an error")
	}
}

// TestGroupsLagExitStatus: OK groups and groups nobody runs exit 0; an abandoned group with
// --include-inactive, a stuck one and an unknown one make the command fail naming them.
func TestGroupsLagExitStatus(t *testing.T) {
	t.Parallel()
	r := newLagRig(t)
	fast := []string{"--samples", "2", "--sample-interval", "50ms"}

	if out, err := r.run(t, append([]string{"lag", "g-done"}, fast...)...); err != nil {
		t.Errorf("groups lag g-done: %v\n%s", err, out)
	}
	if out, err := r.run(t, append([]string{"lag", "g-done", "g-stopped"}, fast...)...); err != nil {
		t.Errorf("groups lag g-done g-stopped (nobody runs g-stopped): %v\n%s", err, out)
	}
	out, err := r.run(t, append([]string{"lag", "g-done", "g-stopped", "g-unknown"}, fast...)...)
	if !errors.Is(err, errGroupsNotOK) || strings.Contains(err.Error(), "g-stopped") ||
		!strings.Contains(err.Error(), "g-unknown ERR") || strings.Contains(err.Error(), "g-done") {
		t.Errorf("groups lag with an abandoned and an unknown group: err = %v; want errGroupsNotOK naming only g-unknown\n%s", err, out)
	}
	out, err = r.run(t, append([]string{"lag", "g-done", "g-stopped", "--include-inactive"}, fast...)...)
	if !errors.Is(err, errGroupsNotOK) || !strings.Contains(err.Error(), "g-stopped EMPTY") {
		t.Errorf("groups lag --include-inactive: err = %v; want errGroupsNotOK naming g-stopped EMPTY\n%s", err, out)
	}

	// A live member that consumes and never commits: STALL.
	member, err := kgo.NewClient(kgo.SeedBrokers(r.env.Brokers...), kgo.ConsumerGroup("g-stopped"),
		kgo.ConsumeTopics(r.topic), kgo.DisableAutoCommit(), kgo.ClientID("stuck"))
	if err != nil {
		t.Fatal(err)
	}
	defer member.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	member.PollFetches(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err = r.run(t, append([]string{"lag", "g-stopped", "-o", "json"}, fast...)...)
		var groups []lag.Group
		_ = json.Unmarshal([]byte(out), &groups)
		if len(groups) == 1 && groups[0].Status == lag.STALL {
			if !errors.Is(err, errGroupsNotOK) {
				t.Errorf("STALL but err = %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a stuck member never made the group STALL: err %v\n%s", err, out)
		}
	}

	if _, err := r.run(t, "lag", "--samples", "0"); err == nil || !strings.Contains(err.Error(), "--samples") {
		t.Errorf("--samples 0: err = %v; want one naming --samples", err)
	}
	if _, err := r.run(t, "lag", "-o", "yaml"); err == nil || !strings.Contains(err.Error(), "--output") {
		t.Errorf("-o yaml: err = %v; want one naming --output", err)
	}
}

func TestGroupsLagHelpHasExamples(t *testing.T) {
	t.Parallel()
	for _, c := range []*struct {
		name string
		args []string
	}{{"list", nil}, {"describe", nil}, {"lag", nil}} {
		out, err := execute(t, newGroupsCmd(), c.name, "--help")
		if err != nil || !strings.Contains(out, "Examples:") || !strings.Contains(out, "novatrek groups "+c.name) {
			t.Errorf("groups %s --help: err %v, no Examples:\n%s", c.name, err, out)
		}
	}
	out, err := execute(t, newLagExporterCmd(), "--help")
	if err != nil || !strings.Contains(out, "Examples:") || !strings.Contains(out, "novatrek lag-exporter") {
		t.Errorf("lag-exporter --help: err %v, no Examples:\n%s", err, out)
	}
}
