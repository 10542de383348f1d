// Package kafkatest starts, for one test, the real pieces a stream processor talks to: an
// in-process Kafka cluster (franz-go kfake, the real wire protocol) and a schema registry
// served over HTTP, plus a client and serde bound to them.
package kafkatest

import (
	"net/http/httptest"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/compat"
	"github.com/novatrek/support/internal/registry"
	"github.com/novatrek/support/internal/serde"
)

// Env is a running cluster and registry for one test; everything closes on test cleanup.
type Env struct {
	Cluster     *kfake.Cluster
	Brokers     []string
	RegistryURL string
	Registry    *sr.Client
	// Serde auto-registers schemas, so tests need no registration step.
	Serde *serde.Serde
}

// New starts a single-broker kfake cluster on a free port and our schema registry (in memory,
// enforcing BACKWARD_TRANSITIVE as the dev stack does). Extra kfake options
// (e.g. kfake.SeedTopics) are passed through.
func New(t testing.TB, opts ...kfake.Opt) *Env {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		t.Fatalf("kafkatest: start kfake: %v", err)
	}
	t.Cleanup(c.Close)

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
	return &Env{
		Cluster:     c,
		Brokers:     c.ListenAddrs(),
		RegistryURL: srv.URL,
		Registry:    client,
		Serde:       serde.New(client, serde.AutoRegister()),
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
