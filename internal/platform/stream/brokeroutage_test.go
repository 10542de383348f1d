package stream_test

import (
	"log/slog"
	"net"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// TestBrokerOutageConsumerResumes takes the whole Kafka cluster away under a running
// processor and brings it back on the same address with the same data (kfake's DataDir, as
// a broker restart keeps its log): the processor reports the outage, keeps running,
// resumes by itself, and applies what was produced before and after exactly once.
func TestBrokerOutageConsumerResumes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := freePort(t)
	r := newRig(t, 3, kfake.DataDir(dir), kfake.Ports(port))
	logs, logger := streamtest.CaptureLogs(t, slog.LevelWarn)
	p, reg := r.processor(r.pool, false, func(cfg *stream.Config) { cfg.Logger = logger })
	run := streamtest.Start(t, p)

	const n = 200
	r.produceCreated(0, n)
	r.waitApplied(n)

	r.env.Cluster.Close()
	streamtest.Eventually(t, "the outage seen in the client metrics", func() (bool, error) {
		return metric(t, reg, "novatrek_kafka_connect_errors_total", nil) > 0, nil
	})
	if len(logs.Lines("unable to open connection to broker")) == 0 {
		t.Error("the outage was not logged")
	}
	select {
	case <-run.Done():
		t.Fatalf("the processor stopped during the broker outage: %v", run.Err())
	default:
	}

	restarted, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DataDir(dir), kfake.Ports(port))
	if err != nil {
		t.Fatalf("restart kfake on port %d: %v", port, err)
	}
	t.Cleanup(restarted.Close)
	r.produceStatus(0, n)
	r.waitApplied(2 * n)
	streamtest.Eventually(t, "every record passed by the processor", func() (bool, error) {
		return sumStored(r, testproc.StatusTopic) == n, nil
	})
	r.checkExactlyOnce(n, n)
	if d := metric(t, reg, "novatrek_stream_records_total", map[string]string{"outcome": "duplicate"}); d != 0 {
		t.Errorf("%v records delivered twice across the outage, want none (the processor resumes where it was)", d)
	}
}

// freePort returns a loopback port nobody listens on now, so a restarted broker can take
// the address its clients know.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
