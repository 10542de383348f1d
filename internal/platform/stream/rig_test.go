package stream_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// rig is a migrated test-processor database and a cluster with its topics.
type rig struct {
	t      testing.TB
	env    *kafkatest.Env
	url    string
	pool   *pgxpool.Pool // direct: the test's own view of the store
	schema string
	cl     *kgo.Client
	gen    testproc.Producer
}

// newRig prepares a rig; opts are passed to the cluster (kafkatest.New).
func newRig(t testing.TB, partitions int32, opts ...kfake.Opt) *rig {
	t.Helper()
	r := &rig{t: t, env: kafkatest.New(t, opts...), url: pgtest.URL(t), schema: testproc.Schema, gen: testproc.Producer{Seed: t.Name(), Reservations: 50}}
	r.pool = r.newPool(r.url)
	if err := testproc.Migrate(context.Background(), r.pool, r.schema); err != nil {
		t.Fatal(err)
	}
	streamtest.CreateTopics(t, r.env, partitions, testproc.CreatedTopic, testproc.StatusTopic, testproc.OutputTopic)
	streamtest.CreateTopics(t, r.env, 1, topology.DeadLetterTopic(testproc.Group))
	r.cl = r.env.Client(t)
	return r
}

func (r *rig) newPool(dbURL string) *pgxpool.Pool {
	r.t.Helper()
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(pool.Close)
	return pool
}

// proxiedPool returns a pool on the rig's database that goes through a cuttable proxy.
func (r *rig) proxiedPool() (*pgxpool.Pool, *streamtest.Proxy) {
	r.t.Helper()
	u, err := url.Parse(r.url)
	if err != nil {
		r.t.Fatal(err)
	}
	proxy := streamtest.NewProxy(r.t, u.Host)
	host, port, _ := net.SplitHostPort(proxy.Addr())
	u.Host = net.JoinHostPort(host, port)
	return r.newPool(u.String()), proxy
}

// processor builds a test processor on pool; mod adjusts the config.
func (r *rig) processor(pool *pgxpool.Pool, batch bool, mod func(*stream.Config)) (*stream.Processor, *prometheus.Registry) {
	r.t.Helper()
	tp, err := testproc.New(r.schema, r.env.Serde)
	if err != nil {
		r.t.Fatal(err)
	}
	routes := tp.Routes()
	if batch {
		routes = tp.BatchRoutes()
	}
	reg := prometheus.NewRegistry()
	cfg := stream.Config{
		Group:      testproc.Group,
		Brokers:    r.env.Brokers,
		Pool:       pool,
		Schema:     r.schema,
		Routes:     routes,
		Serde:      r.env.Serde,
		MinBackoff: 5 * time.Millisecond,
		MaxBackoff: 100 * time.Millisecond,
		Logger:     streamtest.Logger(r.t, slog.LevelWarn),
		Metrics:    reg,
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := stream.New(cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	return p, reg
}

func (r *rig) produceCreated(from, to int) {
	r.t.Helper()
	if err := r.gen.ProduceCreated(context.Background(), r.cl, r.env.Serde, from, to); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) produceStatus(from, to int) {
	r.t.Helper()
	if err := r.gen.ProduceStatusChanges(context.Background(), r.cl, r.env.Serde, from, to); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) count(sql string, args ...any) int {
	r.t.Helper()
	var n int
	if err := r.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		r.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// applied is the number of applied_events rows (one per effect).
func (r *rig) applied() int { return r.count(`SELECT count(*) FROM testproc.applied_events`) }

func (r *rig) waitApplied(n int) {
	r.t.Helper()
	streamtest.Eventually(r.t, fmt.Sprintf("%d events applied", n), func() (bool, error) {
		return r.applied() >= n, nil
	})
}

// checkExactlyOnce checks that exactly the events of created [0, created) and status
// changes [0, status) were applied, once each, and in order per reservation.
func (r *rig) checkExactlyOnce(created, status int) {
	r.t.Helper()
	want := created + status
	if got := r.applied(); got != want {
		r.t.Errorf("%d effects, want %d", got, want)
	}
	if dup := r.count(`SELECT count(*) FROM (SELECT event_id FROM testproc.applied_events GROUP BY event_id HAVING count(*) > 1) d`); dup != 0 {
		r.t.Errorf("%d events applied more than once", dup)
	}
	if n := r.count(`SELECT count(DISTINCT event_id) FROM testproc.applied_events`); n != want {
		r.t.Errorf("%d distinct events applied, want %d", n, want)
	}
	for i := range created {
		if i%97 == 0 { // spot-check ids against the producer's
			if n := r.count(`SELECT count(*) FROM testproc.applied_events WHERE event_id = $1`, r.gen.Created(i).Metadata.EventID); n != 1 {
				r.t.Errorf("created event %d applied %d times", i, n)
			}
		}
	}
	if n := r.count(`SELECT coalesce(sum(out_of_order), 0) FROM testproc.reservations`); n != 0 {
		r.t.Errorf("%d events were applied out of order for their key", n)
	}
	if n := r.count(`SELECT count(*) FROM testproc.outbox`); n != want {
		r.t.Errorf("%d outbox rows, want one per event (%d)", n, want)
	}
	if dl := streamtest.ReadTopic(r.t, r.env, topology.DeadLetterTopic(testproc.Group)); len(dl) != 0 {
		r.t.Errorf("%d dead letters, want none", len(dl))
	}
}

// committed returns the group's offsets committed to Kafka.
func (r *rig) committed() kadm.OffsetResponses {
	r.t.Helper()
	resp, err := kadm.NewClient(r.cl).FetchOffsets(context.Background(), testproc.Group)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp
}

// stored returns the next offsets stored in the processor's schema.
func (r *rig) stored() map[string]map[int32]int64 {
	r.t.Helper()
	rows, err := r.pool.Query(context.Background(), `SELECT topic, partition, next_offset FROM testproc.consumer_offsets WHERE consumer_group = $1`, testproc.Group)
	if err != nil {
		r.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]map[int32]int64{}
	for rows.Next() {
		var topic string
		var p int32
		var next int64
		if err := rows.Scan(&topic, &p, &next); err != nil {
			r.t.Fatal(err)
		}
		if out[topic] == nil {
			out[topic] = map[int32]int64{}
		}
		out[topic][p] = next
	}
	return out
}

// metric sums the samples of the named metric whose labels include match.
func metric(t testing.TB, reg prometheus.Gatherer, name string, match map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if !labelsMatch(m, match) {
				continue
			}
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			case m.Histogram != nil:
				sum += float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return sum
}

func labelsMatch(m *dto.Metric, match map[string]string) bool {
	for k, v := range match {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == k && lp.GetValue() == v {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
