package runner

import (
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// NewEnv builds the Env a definition's New gets, on h's connections with db as its pool:
// logger and metrics labelled service=<Name>, the Kafka client id, the clock, the declared
// clients resolved from h.Getenv with their HTTP clients, Valkey when declared, and the outbox Emitter of its
// Produces. Start calls it with the service's own pool; servicetest.Conformance with the
// contract suite's database, so both bind a Spec the same way.
func NewEnv(h Host, d service.Description, db *pgxpool.Pool) (service.Env, error) {
	now := h.Tune.Now
	if now == nil {
		now = time.Now
	}
	env := service.Env{Name: d.Name, Logger: h.Logger.With("service", d.Name),
		Metrics:   prometheus.WrapRegistererWith(prometheus.Labels{"service": d.Name}, h.Metrics),
		KafkaOpts: append(slices.Clip(h.KafkaOpts), kgo.ClientID(d.Name)),
		DB:        db, Serde: h.Serde, Topology: h.Topology, Now: now, Getenv: h.Getenv}
	if h.BaseURL != nil {
		env.BaseURL = h.BaseURL(d.Name)
	}
	if d.Valkey {
		env.Valkey = h.Valkey
	}
	var err error
	if env.Endpoints, err = d.ResolveClients(h.Getenv); err != nil {
		return service.Env{}, err
	}
	if env.Outbounds, err = outboundClients(env, h.Metrics); err != nil {
		return service.Env{}, err
	}
	if len(d.Produces) > 0 {
		ob, err := pgoutbox.New(d.Store.Schema)
		if err != nil {
			return service.Env{}, err
		}
		if env.Emit, err = outbox.NewEmitter(outbox.EmitterConfig[store.Execer]{Producer: d.Name, Topics: d.Produces,
			Topology: h.Topology, Encoder: h.Serde, Outbox: ob, Now: now}); err != nil {
			return service.Env{}, err
		}
	}
	return env, nil
}

// outboundClients builds the HTTP client of each resolved endpoint. Their series go to the
// host's registry as it is, not to Env.Metrics: they label the calling service and the
// target themselves, and Env.Metrics' constant service=<Name> would clash with that label.
func outboundClients(env service.Env, host *prometheus.Registry) (map[string]*outbound.Client, error) {
	var reg prometheus.Registerer
	if host != nil { // a nil *Registry in the interface would panic at the first register
		reg = host
	}
	out := make(map[string]*outbound.Client, len(env.Endpoints))
	for name, ep := range env.Endpoints {
		if ep == nil {
			continue // an Optional client without URL
		}
		c, err := outbound.New(outbound.Config{Service: env.Name, Target: name, BaseURL: ep.BaseURL, Key: ep.Key,
			Timeout: ep.Timeout, Retries: ep.Retries, Metrics: reg})
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", env.Name, err)
		}
		out[name] = c
	}
	return out, nil
}
