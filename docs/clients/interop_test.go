// Package clients_test runs the Python and Node snippets of docs/clients.md against an
// in-process Kafka (kfake) and our schema registry, set up as `novatrek dev` sets them up:
// what other teams' clients do with our records, and ours with theirs.
package clients_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/subjects"
	"github.com/novatrek/support/internal/ops/topicplan"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/publish"
	"github.com/novatrek/support/schemas"
)

const topic = "novatrek.guest-identity.guest.registered"

// snippetTimeout bounds one snippet run (install not included): it never hangs the suite.
const snippetTimeout = 2 * time.Minute

// record is one JSON line a snippet prints.
type record struct {
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Key       string `json:"key"`
	Value     struct {
		GuestID string `json:"guest_id"`
		Email   string `json:"email"`
	} `json:"value"`
}

// platform is the dev stack's Kafka and registry: topics from topics.yaml, every subject
// registered with its compatibility level.
type platform struct {
	env *kafkatest.Env
	pub *publish.Publisher
	sd  *serde.Serde
}

func startPlatform(t *testing.T) *platform {
	t.Helper()
	env := kafkatest.New(t)
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topicplan.Sync(t.Context(), kadm.NewClient(env.Client(t)), topo, topicplan.Options{}); err != nil {
		t.Fatal(err)
	}
	cat, err := schemas.Load()
	if err != nil {
		t.Fatal(err)
	}
	subs, err := subjects.Plan(topo, cat)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := subjects.Register(t.Context(), env.Registry, subs, nil); err != nil {
		t.Fatal(err)
	}
	// Our producer as every service builds it: KafkaOpts with the default compression.
	cl, err := kgo.NewClient(config.Config{KafkaBrokers: env.Brokers}.KafkaOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	sd := serde.New(env.Registry)
	pub, err := publish.New(cl, env.RegistryURL, publish.Producer("svc-guest-profiles"), publish.WithSerde(sd))
	if err != nil {
		t.Fatal(err)
	}
	return &platform{env: env, pub: pub, sd: sd}
}

// publishGuest publishes a guest.registered event keyed by guestID through package publish.
func (p *platform) publishGuest(t *testing.T, guestID, email string) {
	t.Helper()
	err := p.pub.Publish(t.Context(), &schemas.GuestRegistered{GuestID: guestID, Email: email, FirstName: "Go", LastName: "Pher", PreferredLanguage: "en"})
	if err != nil {
		t.Fatalf("publish %s: %v", email, err)
	}
}

// readAll decodes every record of the topic with our serde, as our consumers do.
func (p *platform) readAll(t *testing.T) []record {
	t.Helper()
	ctx := t.Context()
	ends, err := kadm.NewClient(p.env.Client(t)).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	from := map[int32]kgo.Offset{}
	left := int64(0)
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			from[o.Partition] = kgo.NewOffset().AtStart()
			left += o.Offset
		}
	})
	cl := p.env.Client(t, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: from}))
	reader := (&schemas.GuestRegistered{}).Schema()
	var out []record
	for left > 0 {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("consume: %v", err)
		}
		for _, r := range fs.Records() {
			var ev schemas.GuestRegistered
			if err := p.sd.Decode(ctx, r.Value, reader, &ev); err != nil {
				t.Fatalf("our consumer cannot decode partition %d offset %d (key %s): %v", r.Partition, r.Offset, r.Key, err)
			}
			rec := record{Partition: r.Partition, Offset: r.Offset, Key: string(r.Key)}
			rec.Value.GuestID, rec.Value.Email = ev.GuestID, ev.Email
			out = append(out, rec)
			left--
		}
	}
	return out
}

// TestOtherTeamsClients proves interop both ways for each snippet (the Go one too, so the
// docs' Go example cannot rot): it publishes with our
// producer (default compression) a guest whose key the snippet then produces with too; the
// snippet must decode every record of the topic, its record must land on the partition of
// ours with the same key (murmur2), and our consumer must decode the snippet's record.
func TestOtherTeamsClients(t *testing.T) {
	t.Parallel()
	p := startPlatform(t)
	snippets := []struct {
		name, email string
		command     func(t *testing.T) *exec.Cmd
	}{
		{"python", "ada@example.com", pythonSnippet},
		{"node", "grace@example.com", nodeSnippet},
		{"go", "roald@example.com", goSnippet},
	}
	before := subjectVersions(t, p.env)
	t.Cleanup(func() {
		if after := subjectVersions(t, p.env); after != before {
			t.Errorf("%s-value went from %d to %d versions: a snippet registered a schema of its own", topic, before, after)
		}
	})
	for _, s := range snippets {
		t.Run(s.name, func(t *testing.T) {
			cmd := s.command(t) // skips when the runtime is missing
			key := uuid.NewString()
			ours := "go-for-" + s.name + "@example.com"
			p.publishGuest(t, key, ours)

			got := runSnippet(t, cmd, p.env, key)
			oursAt := requireRecord(t, s.name+" read", got, key, ours)
			theirsAt := requireRecord(t, s.name+" read", got, key, s.email)
			if oursAt.Partition != theirsAt.Partition {
				t.Errorf("%s put key %s on partition %d, our producer on %d: per-key order is lost", s.name, key, theirsAt.Partition, oursAt.Partition)
			}
			if len(got) != len(p.readAll(t)) {
				t.Errorf("%s read %d records, the topic holds %d", s.name, len(got), len(p.readAll(t)))
			}
			requireRecord(t, "our consumer read", p.readAll(t), key, s.email)
		})
	}
}

func subjectVersions(t *testing.T, env *kafkatest.Env) int {
	t.Helper()
	vs, err := env.Registry.SubjectVersions(context.WithoutCancel(t.Context()), topic+"-value")
	if err != nil {
		t.Fatal(err)
	}
	return len(vs)
}

// requireRecord finds the record with key and email in recs, failing the test without it.
func requireRecord(t *testing.T, who string, recs []record, key, email string) record {
	t.Helper()
	for _, r := range recs {
		if r.Key == key && r.Value.Email == email {
			if r.Value.GuestID != key {
				t.Errorf("%s: record of %s has guest_id %q, want its key %q", who, email, r.Value.GuestID, key)
			}
			return r
		}
	}
	t.Fatalf("%s: no record with key %s and email %s among %d records", who, key, email, len(recs))
	return record{}
}

// runSnippet runs cmd against the platform with GUEST_ID=key and parses its JSON lines.
func runSnippet(t *testing.T, cmd *exec.Cmd, env *kafkatest.Env, key string) []record {
	t.Helper()
	cmd.Env = append(os.Environ(), "KAFKA_BROKERS="+env.Brokers[0], "SCHEMA_REGISTRY_URL="+env.RegistryURL, "GUEST_ID="+key)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstderr:\n%s", cmd, err, stderr.String())
	}
	var recs []record
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s printed a line that is not a record: %q: %v", cmd, sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

// pythonSnippet is docs/clients/python/produce_consume.py run by Debian's python3 (the one
// with python3-confluent-kafka) in a virtualenv that adds fastavro from requirements.txt. On
// the real broker (NOVATREK_TEST_KAFKA=real) the virtualenv is its own, without the system's
// packages: confluent-kafka's current version from PyPI (requirements-pypi.txt), as a team
// starting today installs it.
func pythonSnippet(t *testing.T) *exec.Cmd {
	t.Helper()
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("skipped: %s is missing (Debian's python3; scripts/setup installs python3-confluent-kafka)", python)
	}
	dir, err := filepath.Abs("python")
	if err != nil {
		t.Fatal(err)
	}
	real, err := kafkatest.Real()
	if err != nil {
		t.Fatal(err)
	}
	venv, requirements, venvArgs := filepath.Join(dir, ".venv"), "requirements.txt", []string{"--system-site-packages"}
	if real {
		venv, requirements, venvArgs = filepath.Join(dir, ".venv-pypi"), "requirements-pypi.txt", nil
	} else if err := exec.Command(python, "-c", "import confluent_kafka").Run(); err != nil {
		t.Skipf("skipped: %s has no confluent_kafka module (apt-get install python3-confluent-kafka; scripts/setup does)", python)
	}
	if _, err := os.Stat(filepath.Join(venv, "bin", "python")); err != nil {
		install(t, exec.Command(python, append(append([]string{"-m", "venv"}, venvArgs...), venv)...))
		install(t, exec.Command(filepath.Join(venv, "bin", "pip"), "install", "--quiet", "-r", filepath.Join(dir, requirements)))
	}
	version, err := exec.Command(filepath.Join(venv, "bin", "python"), "-c", "import importlib.metadata as m; print(m.version(\"confluent-kafka\"))").Output()
	if err != nil {
		t.Fatalf("confluent_kafka in %s: %v", venv, err)
	}
	t.Logf("python: confluent-kafka %s from %s", strings.TrimSpace(string(version)), venv)
	return snippetCommand(t, filepath.Join(venv, "bin", "python"), filepath.Join(dir, "produce_consume.py"))
}

// nodeSnippet is docs/clients/node/produce_consume.js with the packages of its
// package-lock.json (npm ci when node_modules is missing).
func nodeSnippet(t *testing.T) *exec.Cmd {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipped: node is not on PATH (Node.js 18 or later runs the kafkajs snippet)")
	}
	dir, err := filepath.Abs("node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		npm := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		npm.Dir = dir
		install(t, npm)
	}
	cmd := snippetCommand(t, node, "produce_consume.js")
	cmd.Dir = dir
	return cmd
}

// goSnippet is docs/clients/go, run with the go command that runs this test.
func goSnippet(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := snippetCommand(t, filepath.Join(runtime.GOROOT(), "bin", "go"), "run", ".")
	cmd.Dir = "go"
	return cmd
}

func snippetCommand(t *testing.T, name string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(t.Context(), snippetTimeout)
	t.Cleanup(cancel)
	return exec.CommandContext(ctx, name, args...)
}

// install runs an install step of a snippet's runtime, failing the test with its output.
func install(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	t.Logf("installing: %s", cmd)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
}
