package devstack

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/novatrek/support/internal/platform/compat"
	"github.com/novatrek/support/internal/platform/registry"
	"github.com/novatrek/support/internal/testkit/pgtest"
)

// TestExternalKafkaAndRegistry is `novatrek dev --kafka external --schema-registry external`:
// the stack starts no broker and serves no registry of its own, creates topics.yaml's topics
// on the cluster it is given, registers every schema in the registry it is given, and its
// banner says so. The cluster is a kfake started here, so CI on kfake covers the code path;
// docs/real-kafka.md records the same run on Apache Kafka.
func TestExternalKafkaAndRegistry(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	reg, err := registry.New(registry.Config{DefaultCompatibility: compat.BackwardTransitive})
	if err != nil {
		t.Fatal(err)
	}
	regSrv := httptest.NewServer(reg.Handler())
	t.Cleanup(regSrv.Close)

	cfg := testConfig(t, t.TempDir())
	cfg.DatabaseURL = pgtest.URLToCreate(t)
	cfg.ExternalBrokers = cluster.ListenAddrs()
	cfg.ExternalRegistryURL = regSrv.URL
	var banner bytes.Buffer
	cfg.Banner = &banner
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start on the external cluster and registry: %v", err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })

	if s.kafka != nil || s.regSrv != nil {
		t.Errorf("the stack started its own broker or registry although both are external")
	}
	if got := s.Brokers(); len(got) != 1 || got[0] != cluster.ListenAddrs()[0] {
		t.Errorf("Brokers() = %v; want the external cluster %v", got, cluster.ListenAddrs())
	}
	if s.RegistryURL() != regSrv.URL {
		t.Errorf("RegistryURL() = %s; want the external registry %s", s.RegistryURL(), regSrv.URL)
	}
	checkTopics(t, s) // on s.Brokers(), the external cluster
	if ids := schemaIDs(t, s); len(ids) != topicsWithSchema(s) {
		t.Errorf("external registry has %d subjects; want one per topic with a schema (%d)", len(ids), topicsWithSchema(s))
	}
	for _, want := range []string{"external cluster (--kafka external)", "external (--schema-registry external)", regSrv.URL} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, banner.String())
		}
	}

	// The stack's own consumers work on the cluster: a group's offsets land there.
	topic := s.cfg.Topology.Topics[0].Name
	produced := produce(t, s.Brokers(), topic, "ext", 5)
	consumeInGroup(t, s.Brokers(), topic, len(produced))
	if offs := groupOffsets(t, cluster.ListenAddrs(), topic); len(offs) == 0 {
		t.Errorf("no committed offsets on the external cluster")
	}
}

// TestExternalSettingsValidated: a malformed external broker or registry is one clear line
// before anything starts.
func TestExternalSettingsValidated(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		mutate  func(*Config)
		wantErr string
	}{
		"broker without port":      {func(c *Config) { c.ExternalBrokers = []string{"kafka.internal"} }, "external Kafka broker"},
		"registry without host":    {func(c *Config) { c.ExternalRegistryURL = "http://" }, "external schema registry"},
		"registry not http":        {func(c *Config) { c.ExternalRegistryURL = "ftp://r:8081" }, "external schema registry"},
		"external broker anywhere": {func(c *Config) { c.ExternalBrokers = []string{"10.0.0.5:9092"} }, ""},
	} {
		t.Run(name, func(t *testing.T) {
			var c Config
			tt.mutate(&c)
			if err := c.setDefaults(); err != nil {
				t.Fatal(err)
			}
			err := c.validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("validate = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("validate = %v; want one line containing %q", err, tt.wantErr)
			}
		})
	}
}
