package clients_test

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/schemas"
)

// javaTopic is the topic docs/clients/java's DomainEventRoundTrip produces to and reads back.
const javaTopic = "novatrek.support.analytics.metric-logged"

// TestJavaClient runs docs/clients/java (kafka-clients and Apache Avro, no Confluent jar)
// against the platform: it must print "round trip OK" (it decoded its own event with the
// writer schema fetched from our registry by id), and our consumer must decode the record it
// produced, keyed by its run id, with our serde.
func TestJavaClient(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"mvn", "java"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipped: %s is not on PATH (Maven and Java 17 run the Java snippet; apt-get install maven openjdk-17-jdk-headless)", tool)
		}
	}
	p := startPlatform(t)

	// Compiling resolves the dependencies (downloaded once into ~/.m2); the run is offline.
	compile := exec.Command("mvn", "-q", "-B", "compile")
	compile.Dir = "java"
	install(t, compile)
	cmd := snippetCommand(t, "mvn", "-q", "-B", "-o", "exec:java")
	cmd.Dir = "java"
	cmd.Env = append(os.Environ(), "KAFKA_BROKERS="+p.env.Brokers[0], "SCHEMA_REGISTRY_URL="+p.env.RegistryURL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", cmd, err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "round trip OK") {
		t.Fatalf("the Java client did not say round trip OK:\n%s", stdout.String())
	}
	m := regexp.MustCompile(`produced (java-\S+) to `).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("the Java client did not say which run id it produced:\n%s", stdout.String())
	}

	cl := p.env.Client(t, kgo.ConsumeTopics(javaTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	reader := (&schemas.AnalyticsMetricLogged{}).Schema()
	for {
		fs := cl.PollFetches(t.Context())
		if err := fs.Err0(); err != nil {
			t.Fatalf("consume %s: %v", javaTopic, err)
		}
		for _, r := range fs.Records() {
			if string(r.Key) != m[1] {
				continue
			}
			var ev schemas.AnalyticsMetricLogged
			if err := p.sd.Decode(t.Context(), r.Value, reader, &ev); err != nil {
				t.Fatalf("our consumer cannot decode the Java client's record: %v", err)
			}
			if ev.RunID != m[1] {
				t.Errorf("decoded run_id %q, want the key %q", ev.RunID, m[1])
			}
			return
		}
	}
}
