package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
)

// runCmd runs the root command with args and returns stdout and the error.
func execNovatrek(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		t.Logf("stderr: %s", errOut.String())
	}
	return out.String(), err
}

// simulatedTopics are the topics the simulator produces to, by topics.yaml.
func simulatedTopics(t *testing.T) []string {
	t.Helper()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	return simulate.Topics(topo)
}

// TestSimulatorFeedsTheBuiltServices: every topic a listed service consumes that another
// domain produces (topics.yaml) is one the simulator generates, so `novatrek dev` gives
// each built service its traffic. A new consumed topic fails here, named, until its schema
// is added to simulate.Schemas with an action that makes it (CONTRIBUTING.md).
func TestSimulatorFeedsTheBuiltServices(t *testing.T) {
	t.Parallel()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	generated := simulate.Topics(topo)
	checked := 0
	for _, def := range services() {
		d := def.Describe()
		for _, name := range d.Consumes {
			tp, ok := topo.Topic(name)
			if !ok {
				t.Errorf("%s consumes %s, which topics.yaml does not declare", d.Name, name)
				continue
			}
			var foreign []string
			for _, p := range tp.Producers {
				if s, ok := topo.Service(p); ok && !s.Ours {
					foreign = append(foreign, p)
				}
			}
			if len(foreign) == 0 {
				continue
			}
			checked++
			if !slices.Contains(generated, name) {
				t.Errorf("%s consumes %s (produced by %v of other domains), but the simulator cannot generate it: add its schema %s to simulate.Schemas", d.Name, name, foreign, tp.ValueSchema)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no listed service consumes a topic of another domain; the check checked nothing")
	}
}

func TestSimulateCommand(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t, kfake.SeedTopics(3, simulatedTopics(t)...))
	conn := []string{"--brokers", env.Brokers[0], "--registry", env.RegistryURL}
	if _, err := execNovatrek(t, append([]string{"schemas", "register"}, conn...)...); err != nil {
		t.Fatalf("schemas register: %v", err)
	}
	out, err := execNovatrek(t, append([]string{"simulate", "--rate", "100/s", "--duration", "1s", "--seed", "cmd"}, conn...)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "sent 100 events (seed cmd)") || !strings.Contains(out, "novatrek.booking.reservation.created") {
		t.Fatalf("output:\n%s", out)
	}
	cl := env.Client(t, kgo.ConsumeTopics(simulatedTopics(t)...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	for n < 100 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("found %d of 100 records", n)
		}
		n += fs.NumRecords()
	}

	for _, bad := range [][]string{{"--rate", "fast"}, {"--rate", "0"}, {"--rate", "-2/s"}} {
		if _, err := execNovatrek(t, append(append([]string{"simulate"}, bad...), conn...)...); err == nil || !strings.Contains(err.Error(), "--rate") {
			t.Errorf("simulate %v: err = %v; want one naming --rate", bad, err)
		}
	}
}

func TestSimulateHelpHasExamples(t *testing.T) {
	t.Parallel()
	out, err := execNovatrek(t, "simulate", "--help")
	if err != nil || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--seed") {
		t.Fatalf("help (%v):\n%s", err, out)
	}
}

// savedID is where a call names the id an earlier call created.
var savedID = regexp.MustCompile(`\{\$[^}]*\}`)

// TestSimulateCommandMakesAPICalls: with --api-url the command makes the seed's calls (the
// location setup, contacts, devices, location reads, check-outs and the neighbours'
// workflows) against that base URL with the callers' dev tokens, and reports them; a bad
// URL is refused naming --api-url.
func TestSimulateCommandMakesAPICalls(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t, kfake.SeedTopics(3, simulatedTopics(t)...))
	conn := []string{"--brokers", env.Brokers[0], "--registry", env.RegistryURL}
	if _, err := execNovatrek(t, append([]string{"schemas", "register"}, conn...)...); err != nil {
		t.Fatalf("schemas register: %v", err)
	}
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet { // the If-Match reads are not the calls
			mu.Lock()
			got = append(got, r.Method+" "+r.URL.EscapedPath()+" "+r.Header.Get("Authorization"))
			mu.Unlock()
		}
		// Every resource is "ID" at revision 1: the workflows' later calls name it.
		w.Header().Set("Location", "/v1/things/ID")
		w.Header().Set("ETag", `"1"`)
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()

	// What the seed's setup and first 200 events call, in order (paths without the query,
	// which the server does not record: a capacity check's holds a date from the clock).
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	g, err := simulate.NewGenerator("cmd-api", topo)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	calls := 0
	want1 := func(c simulate.Call) {
		calls++
		if c.Method == http.MethodGet {
			return // the server does not record reads
		}
		token := "dev-" + c.Caller
		if c.Token != "" {
			token = c.Token
		}
		path, _, _ := strings.Cut(c.Path, "?")
		for range max(c.Copies, 1) {
			want = append(want, c.Method+" /svc-notifications"+savedID.ReplaceAllString(path, "ID")+" Bearer "+token)
		}
	}
	for _, c := range g.Setup() {
		want1(c)
	}
	for range 200 {
		ev, err := g.Next(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range append(ev.Before, ev.After...) {
			want1(c)
		}
	}
	out, err := execNovatrek(t, append([]string{"simulate", "--rate", "200/s", "--duration", "1s", "--seed", "cmd-api",
		"--api-url", srv.URL + "/svc-notifications"}, conn...)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, fmt.Sprintf("made %d API calls, 0 failed", calls)) || calls == 0 {
		t.Fatalf("output (want %d calls):\n%s", calls, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("server received:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	if _, err := execNovatrek(t, append([]string{"simulate", "--api-url", "localhost:8080"}, conn...)...); err == nil || !strings.Contains(err.Error(), "--api-url") {
		t.Errorf("simulate --api-url localhost:8080: err = %v; want one naming --api-url", err)
	}
}
