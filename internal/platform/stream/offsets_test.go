package stream_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// startLogged starts a test processor whose WARN and ERROR lines the test can read.
func startLogged(t *testing.T, r *rig) (*streamtest.Running, *streamtest.Logs, *prometheus.Registry) {
	t.Helper()
	lines, logger := streamtest.CaptureLogs(t, slog.LevelWarn)
	p, reg := r.processor(r.pool, false, func(c *stream.Config) {
		c.MaxBatchRecords = 16
		c.Logger = logger
	})
	return streamtest.Start(t, p), lines, reg
}

// replaceBroker points the rig at a fresh cluster with the same topics, on the same
// database: what `rm -rf .novatrek` did to the dev stack (on the real broker: the topics
// deleted and created again, with new topic ids; see kafkatest.Env.Replace).
func (r *rig) replaceBroker(partitions int32) {
	r.t.Helper()
	r.env = r.env.Replace(r.t)
	streamtest.CreateTopics(r.t, r.env, partitions, testproc.CreatedTopic, testproc.StatusTopic, testproc.OutputTopic)
	streamtest.CreateTopics(r.t, r.env, 1, topology.DeadLetterTopic(testproc.Group))
	r.cl = r.env.Client(r.t)
}

func (r *rig) refusals() []stream.Refusal {
	r.t.Helper()
	out, err := stream.Refusals(context.Background(), r.pool, r.schema, testproc.Group)
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// TestNewBrokerRefusedUntilReset is the data loss of issue 10: a service processes 40
// events, the broker is replaced by an empty one, 40 events are published there before the
// service loads its offsets and 40 after. The stored offset (40) is of the old log: the
// service must refuse the partition, loudly, rather than seek to 40 in the new log and
// skip its first 40 events with lag 0. After the reset every new event is applied once.
func TestNewBrokerRefusedUntilReset(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	r.produceCreated(0, 40)
	runUntil(t, r, 40)

	r.replaceBroker(1)
	r.produceCreated(40, 80) // before the service loads its offsets
	run, lines, reg := startLogged(t, r)
	streamtest.Eventually(t, "the partition refused", func() (bool, error) { return len(r.refusals()) == 1, nil })
	r.produceCreated(80, 120) // after

	ref := r.refusals()[0]
	if ref.Topic != testproc.CreatedTopic || ref.Partition != 0 || ref.Offset != 40 || !strings.Contains(ref.Reason, "another log") {
		t.Errorf("refusal = %+v, want %s/0 at stored offset 40 for another log", ref, testproc.CreatedTopic)
	}
	errs := lines.Lines("level=ERROR")
	if len(errs) != 1 {
		t.Fatalf("%d ERROR lines, want one:\n%s", len(errs), strings.Join(errs, "\n"))
	}
	for _, want := range []string{"group=" + testproc.Group, "topic=" + testproc.CreatedTopic, "partition=0", "stored_offset=40", "high_watermark=", "actual_log=", "stored_log="} {
		if !strings.Contains(errs[0], want) {
			t.Errorf("the ERROR line lacks %q: %s", want, errs[0])
		}
	}
	if got := metric(t, reg, "novatrek_stream_offset_mismatch", map[string]string{"group": testproc.Group, "topic": testproc.CreatedTopic, "partition": "0"}); got != 1 {
		t.Errorf("novatrek_stream_offset_mismatch = %v, want 1", got)
	}
	if err := run.Stop(); err != nil {
		t.Fatal(err)
	}
	// Refused means untouched: not one event of the new log was applied (nor skipped as
	// applied: the stored offset is still the old log's).
	if n := r.applied(); n != 40 {
		t.Fatalf("%d events applied while the partition was refused, want the 40 of the old broker", n)
	}

	logs, err := stream.Logs(context.Background(), r.cl, testproc.CreatedTopic)
	if err != nil {
		t.Fatal(err)
	}
	res := rewind(t, r, stream.Position{Topic: testproc.CreatedTopic, Partition: 0, Offset: 0, Log: logs[testproc.CreatedTopic]})
	if res.Rebound != 1 || res.Forgotten != 0 {
		t.Errorf("rewind = %+v, want the partition rebound and no inbox row forgotten", res)
	}
	if ref := r.refusals(); len(ref) != 0 {
		t.Errorf("refusals after the reset: %+v", ref)
	}
	runUntil(t, r, 80)
	r.checkExactlyOnce(120, 0)
}

// TestStoredOffsetBeyondHighWatermarkRefused: an offset past the end of its own log (a
// truncated log) is refused on its partition only; the other partition keeps going.
func TestStoredOffsetBeyondHighWatermarkRefused(t *testing.T) {
	t.Parallel()
	r := newRig(t, 2)
	r.produceCreated(0, 40)
	p, _ := r.processor(r.pool, false, nil)
	run := streamtest.Start(t, p)
	r.waitApplied(40)
	if err := run.Stop(); err != nil {
		t.Fatal(err)
	}
	r.produceCreated(40, 80)
	ends, err := kadm.NewClient(r.cl).ListEndOffsets(context.Background(), testproc.CreatedTopic)
	if err != nil {
		t.Fatal(err)
	}
	end0, _ := ends.Lookup(testproc.CreatedTopic, 0)
	if _, err := r.pool.Exec(context.Background(), `UPDATE testproc.consumer_offsets SET next_offset = $1 WHERE topic = $2 AND partition = 0`,
		end0.Offset+10, testproc.CreatedTopic); err != nil {
		t.Fatal(err)
	}
	before0 := r.count(`SELECT count(*) FROM testproc.applied_events WHERE kafka_partition = 0`)
	before1 := r.count(`SELECT count(*) FROM testproc.applied_events WHERE kafka_partition = 1`)

	run, lines, reg := startLogged(t, r)
	streamtest.Eventually(t, "partition 0 refused", func() (bool, error) { return len(r.refusals()) == 1, nil })
	streamtest.Eventually(t, "partition 1 caught up", func() (bool, error) {
		ends, err := kadm.NewClient(r.cl).ListEndOffsets(context.Background(), testproc.CreatedTopic)
		if err != nil {
			return false, err
		}
		end1, _ := ends.Lookup(testproc.CreatedTopic, 1)
		return r.stored()[testproc.CreatedTopic][1] == end1.Offset, nil
	})
	if err := run.Stop(); err != nil {
		t.Fatal(err)
	}
	ref := r.refusals()
	if len(ref) != 1 || ref[0].Partition != 0 || !strings.Contains(ref[0].Reason, "beyond the high watermark") {
		t.Fatalf("refusals = %+v, want partition 0, beyond the high watermark", ref)
	}
	if n := len(lines.Lines("level=ERROR", "stored offset refused", "partition=0")); n != 1 {
		t.Errorf("%d ERROR lines for partition 0, want 1", n)
	}
	if got := metric(t, reg, "novatrek_stream_offset_mismatch", nil); got != 0 {
		t.Errorf("novatrek_stream_offset_mismatch = %v after the processor stopped, want the series gone", got)
	}
	if n := r.count(`SELECT count(*) FROM testproc.applied_events WHERE kafka_partition = 0`); n != before0 {
		t.Errorf("partition 0 applied %d events while refused (had %d)", n, before0)
	}
	if n := r.count(`SELECT count(*) FROM testproc.applied_events WHERE kafka_partition = 1`); n <= before1 {
		t.Errorf("partition 1 applied nothing new (%d events) while partition 0 was refused", n)
	}
}

// TestStoredOffsetBelowLogStart: retention (DeleteRecords) removed records below the stored
// offset; the partition starts at the log start, counts it and logs it once.
func TestStoredOffsetBelowLogStart(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	r.produceCreated(0, 40)
	runUntil(t, r, 40)
	r.produceCreated(40, 60)
	var del kadm.Offsets
	del.Add(kadm.Offset{Topic: testproc.CreatedTopic, Partition: 0, At: 50})
	resp, err := kadm.NewClient(r.cl).DeleteRecords(context.Background(), del)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatal(err)
	}

	run, lines, reg := startLogged(t, r)
	streamtest.Eventually(t, "stored offset at the end", func() (bool, error) {
		return r.stored()[testproc.CreatedTopic][0] == 60, nil
	})
	if got := metric(t, reg, "novatrek_stream_offset_reset_total", map[string]string{"reason": "below_log_start", "topic": testproc.CreatedTopic}); got != 1 {
		t.Errorf("novatrek_stream_offset_reset_total{reason=below_log_start} = %v, want 1", got)
	}
	if err := run.Stop(); err != nil {
		t.Fatal(err)
	}
	warned := lines.Lines("below the log start", "stored_offset=40", "log_start=50")
	if len(warned) != 1 {
		t.Errorf("%d log lines about the log start, want 1", len(warned))
	}
	if n := r.applied(); n != 50 {
		t.Errorf("%d events applied, want 40 + the 10 retained after the stored offset", n)
	}
	if ref := r.refusals(); len(ref) != 0 {
		t.Errorf("refusals: %+v, want none (below the log start is not refused)", ref)
	}
}

// TestUnboundOffsetAdoptedOrRefused: rows stored before offsets were bound are adopted when
// they lie inside the log and refused when beyond it.
func TestUnboundOffsetAdoptedOrRefused(t *testing.T) {
	t.Parallel()
	r := newRig(t, 2)
	ctx := context.Background()
	r.produceCreated(0, 40)
	ends, err := kadm.NewClient(r.cl).ListEndOffsets(ctx, testproc.CreatedTopic)
	if err != nil {
		t.Fatal(err)
	}
	end1, _ := ends.Lookup(testproc.CreatedTopic, 1)
	// Partition 0 resumes at 0 (inside its log), partition 1 beyond its end.
	err = pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO testproc.consumer_offsets (consumer_group, topic, partition, next_offset)
VALUES ($1, $2, 0, 0), ($1, $2, 1, $3)`, testproc.Group, testproc.CreatedTopic, end1.Offset+5)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := r.processor(r.pool, false, nil)
	run := streamtest.Start(t, p)
	streamtest.Eventually(t, "partition 1 refused", func() (bool, error) { return len(r.refusals()) == 1, nil })
	end0, _ := ends.Lookup(testproc.CreatedTopic, 0)
	streamtest.Eventually(t, "partition 0 consumed", func() (bool, error) {
		return r.stored()[testproc.CreatedTopic][0] == end0.Offset, nil
	})
	if err := run.Stop(); err != nil {
		t.Fatal(err)
	}
	if n := r.count(`SELECT count(*) FROM testproc.consumer_offsets WHERE partition = 0 AND cluster_id IS NOT NULL AND topic_id IS NOT NULL AND topic = $1`, testproc.CreatedTopic); n != 1 {
		t.Errorf("partition 0's unbound row was not bound to its log")
	}
	if ref := r.refusals(); len(ref) != 1 || ref[0].Partition != 1 {
		t.Errorf("refusals = %+v, want partition 1 only", ref)
	}
}
