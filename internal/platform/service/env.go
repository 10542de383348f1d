package service

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/outbox"
)

// Env is what a Spec's New gets: everything connected and named for this service.
type Env struct {
	Name string
	// Logger carries service=<Name>.
	Logger *slog.Logger
	// Metrics gives every metric the constant label service=<Name>.
	Metrics prometheus.Registerer
	// DB is the service's own pool (application_name=<Name>) on its migrated schema; nil
	// without a Store.
	DB *pgxpool.Pool
	// Valkey connects on first use; nil unless the Spec says Valkey.
	Valkey *store.Valkey
	// Emit publishes to the Spec's Produces through the service's outbox, inside the
	// handler's transaction: it stamps the metadata (lineage from the context: the inbound
	// event in a subscription handler), picks topic and key from topics.yaml and encodes
	// with the registered schema (see outbox.Emitter). Nil when the Spec produces nothing.
	Emit *outbox.Emitter[store.Execer]
	// Serde encodes and decodes Avro through the schema registry.
	Serde *serde.Serde
	// Topology is topics.yaml.
	Topology *topology.Topology
	// KafkaOpts seed a kgo client with the brokers and the client id <Name>.
	KafkaOpts []kgo.Opt
	// BaseURL is where this API is reachable (run: http://HTTP_ADDR; dev: http://addr/<Name>).
	BaseURL string
	// Now is the clock; tests pin it.
	Now func() time.Time
	// Getenv reads the service's environment (the process's, overlaid by what fakes provide).
	Getenv func(string) string
	// Endpoints are the Spec's Clients resolved from Getenv, by name (see Client).
	Endpoints map[string]*Endpoint
}

// Load fills the tagged struct cfg from the service's environment: see config.Load.
func (e Env) Load(cfg any) error {
	if err := config.Load(e.Getenv, cfg); err != nil {
		return fmt.Errorf("%s: %w", e.Name, err)
	}
	return nil
}

// Client is the endpoint of the Spec's client name; nil only for an Optional client
// without URL. Asking for a client the Spec does not declare is a programming error the
// first test of the service catches, so it panics naming it.
func (e Env) Client(name string) *Endpoint {
	ep, ok := e.Endpoints[name]
	if !ok {
		panic(fmt.Sprintf("service %s: no client %q is declared in its Spec", e.Name, name))
	}
	return ep
}

// Outbound is the HTTP client of the Spec's client name (see Client), built from its
// resolved Endpoint: base URL, key, timeout per attempt and retries. Its attempts are not
// counted: Metrics carries the constant label service=<Name>, which outbound's series
// declare as a variable label, so registering them there would fail.
func (e Env) Outbound(name string) (*outbound.Client, error) {
	ep := e.Client(name)
	if ep == nil {
		return nil, fmt.Errorf("service %s: client %q is optional and has no URL", e.Name, name)
	}
	return outbound.New(outbound.Config{Service: e.Name, Name: ep.Name, BaseURL: ep.BaseURL, Key: ep.Key,
		Timeout: ep.Timeout, Retries: ep.Retries})
}
