// Package kafkatest starts, for one test, the real pieces a stream processor talks to: a Kafka
// cluster and a schema registry served over HTTP, plus a client and serde bound to them.
//
// The cluster is franz-go's in-process kfake (the real wire protocol) unless
// NOVATREK_TEST_KAFKA=real, in which case it is the Apache Kafka broker at KAFKA_BROKERS
// (e.g. the one `scripts/kafka up` starts): see real.go and docs/real-kafka.md.
package kafkatest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/compat"
	"github.com/novatrek/support/internal/platform/registry"
	"github.com/novatrek/support/internal/platform/serde"
)

// Env is a running cluster and registry for one test; everything closes on test cleanup.
type Env struct {
	// Cluster is the kfake cluster; nil on a real broker (see RequireFake).
	Cluster     *kfake.Cluster
	Brokers     []string
	RegistryURL string
	Registry    *sr.Client
	// Serde auto-registers schemas, so tests need no registration step.
	Serde *serde.Serde
	// lease is the real broker's lease; nil on kfake.
	lease *lease
}

// New starts a single-broker kfake cluster on a free port, or leases the real broker (see
// Real), and our schema registry (in memory, enforcing BACKWARD_TRANSITIVE as the dev stack
// does). Extra kfake options (e.g. kfake.SeedTopics) are passed through; a real broker cannot
// honour them, so there the test is skipped, saying so.
func New(t testing.TB, opts ...kfake.Opt) *Env {
	t.Helper()
	real, err := Real()
	if err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	if real {
		if len(opts) > 0 {
			t.Skip("kafkatest: skipped on real Kafka: the test passes kfake options (e.g. SeedTopics) that a real broker cannot honour")
		}
		l := leaseRealBroker(t)
		return withRegistry(t, &Env{Brokers: l.brokers, lease: l})
	}
	return withRegistry(t, startFake(t, opts...))
}

// Replace is what `rm -rf .novatrek` did to the dev stack: a broker on which none of the
// test's topics and groups exist any more, and a new, empty registry. On kfake it is a new
// cluster (a new cluster id); on the real broker, which stays leased to the test, it deletes
// every topic and group the test created, so topics created again get new topic ids under
// the same cluster id: the way "the broker was replaced" happens on a real cluster.
func (e *Env) Replace(t testing.TB) *Env {
	t.Helper()
	if e.lease == nil {
		return withRegistry(t, startFake(t))
	}
	removed, err := removeAdded(e.lease.adm, e.lease.keep)
	if err != nil {
		t.Fatalf("kafkatest: replacing the broker: %v", err)
	}
	t.Logf("kafkatest: replaced the real broker's logs: removed %v", removed)
	return withRegistry(t, &Env{Brokers: e.Brokers, lease: e.lease})
}

// startFake starts a single-broker kfake cluster with opts, closed on cleanup.
func startFake(t testing.TB, opts ...kfake.Opt) *Env {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		t.Fatalf("kafkatest: start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return &Env{Cluster: c, Brokers: c.ListenAddrs()}
}

// withRegistry adds a schema registry, its client and a serde to env.
func withRegistry(t testing.TB, env *Env) *Env {
	t.Helper()
	reg, err := registry.New(registry.Config{DefaultCompatibility: compat.BackwardTransitive})
	if err != nil {
		t.Fatalf("kafkatest: start registry: %v", err)
	}
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)

	client, err := sr.NewClient(sr.URLs(srv.URL))
	if err != nil {
		t.Fatalf("kafkatest: registry client: %v", err)
	}
	env.RegistryURL, env.Registry = srv.URL, client
	env.Serde = serde.New(client, serde.AutoRegister())
	return env
}

// RequireFake skips the test on a real broker: what it does (named by why) needs kfake, e.g.
// injected faults or a cluster restart.
func (e *Env) RequireFake(t testing.TB, why string) {
	t.Helper()
	if e.Cluster == nil {
		t.Skipf("kafkatest: skipped on real Kafka: needs kfake to %s", why)
	}
}

// Client returns a kgo client seeded with the cluster's brokers plus opts, closed on cleanup.
func (e *Env) Client(t testing.TB, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(e.Brokers...)}, opts...)...)
	if err != nil {
		t.Fatalf("kafkatest: new client: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// CreateTopics creates topics with partitions each (one replica), failing the test if any
// cannot be created.
func (e *Env) CreateTopics(t testing.TB, partitions int32, topics ...string) {
	t.Helper()
	adm := kadm.NewClient(e.Client(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := adm.CreateTopics(ctx, partitions, 1, nil, topics...)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("create topics %v: %v", topics, err)
	}
}
