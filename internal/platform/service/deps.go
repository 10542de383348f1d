package service

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/topology"
)

// Deps is what the CLI connects for a service before calling Run. Everything in it is owned
// by the caller: the service uses it and never closes it.
type Deps struct {
	// Config is the process configuration (brokers, registry, stores, data dir, HTTP address).
	Config config.Config
	// Logger already carries the attribute service=<name>.
	Logger *slog.Logger
	// Metrics registers the service's collectors; every metric gets the constant label
	// service=<name>, so several services can share one /metrics in `novatrek dev`.
	Metrics prometheus.Registerer
	// DB is a pool on DATABASE_URL; the service's tables live in its Schema, already
	// migrated. Nil when Schema is "".
	DB *pgxpool.Pool
	// Registry is a client of the schema registry at SCHEMA_REGISTRY_URL.
	Registry *sr.Client
	// Serde encodes and decodes Avro values in the Confluent wire format through Registry.
	Serde *serde.Serde
	// Topology is topics.yaml: the service finds the topics it consumes and produces there.
	Topology *topology.Topology
	// KafkaOpts seed a kgo client with the brokers and the client id; the service (or the
	// stream runtime) appends its own options, e.g. kgo.ConsumerGroup(Name()).
	KafkaOpts []kgo.Opt
	// Valkey connects to VALKEY_URL on first use, so services that keep nothing in Valkey
	// run without a server.
	Valkey *Valkey
	// HTTP is where the service registers its API routes, e.g. "GET /v1/payments/{id}".
	// `run` serves them at the root of HTTP_ADDR; `dev` serves them under /<name>/ on its
	// one HTTP address. /metrics, /healthz and /readyz are already taken care of.
	HTTP *http.ServeMux
}

// For returns a copy of the shared deps d specialised for s: the logger and every metric
// carry service=<name>, the Kafka client id is the name, and the service's routes go to mux.
func (d Deps) For(s Service, mux *http.ServeMux) Deps {
	out := d
	out.Logger = d.Logger.With("service", s.Name())
	out.Metrics = prometheus.WrapRegistererWith(prometheus.Labels{"service": s.Name()}, d.Metrics)
	out.KafkaOpts = append(slices.Clip(d.KafkaOpts), kgo.ClientID(s.Name()))
	out.HTTP = mux
	if s.Schema() == "" {
		out.DB = nil
	}
	return out
}

// RequireStore reports, as one error naming service, which of the dependencies a service
// with a store, an API and events cannot run without (DB, HTTP, Serde, Topology) are
// missing. The CLI always fills them; a test or an embedding program might not.
func (d Deps) RequireStore(service string) error {
	var missing []string
	for name, absent := range map[string]bool{"DB": d.DB == nil, "HTTP": d.HTTP == nil, "Serde": d.Serde == nil, "Topology": d.Topology == nil} {
		if absent {
			missing = append(missing, "Deps."+name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return fmt.Errorf("%s: %s required", service, strings.Join(missing, ", "))
}
