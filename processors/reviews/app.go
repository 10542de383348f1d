package reviews

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/outbox"
)

// Config is svc-reviews' own settings; the peers' URLs, tokens and timeouts are its Spec's
// Clients. Each field is read from its variable by config.Load.
type Config struct {
	// PriorWeight is the Bayesian average's prior, in reviews: a target's rating starts at
	// the global mean as if it had this many reviews at that mean, so two 5-star reviews do
	// not outrank four hundred at 4.8.
	PriorWeight int `env:"REVIEWS_BAYES_PRIOR_WEIGHT" default:"10"`
	// RequirePeers makes an unset REVIEWS_RESERVATIONS_URL or REVIEWS_GUEST_PROFILES_URL a
	// start error (production); unset, the service starts and answers 503 to submissions the
	// event copy cannot decide (dev before the stand-ins are wired).
	RequirePeers bool `env:"REVIEWS_REQUIRE_PEERS" default:"false"`
}

// app is the running service.
type app struct {
	db    *pgxpool.Pool
	emit  *outbox.Emitter[store.Execer]
	peers peers
	check *checker
	log   *slog.Logger
	now   func() time.Time
	cfg   Config
}

// newApp reads the configuration and builds the state; anything malformed stops the start.
func newApp(_ context.Context, env service.Env) (*app, error) {
	var cfg Config
	if err := env.Load(&cfg); err != nil {
		return nil, err
	}
	if cfg.PriorWeight < 0 {
		return nil, fmt.Errorf("%s: REVIEWS_BAYES_PRIOR_WEIGHT %d must not be negative", env.Name, cfg.PriorWeight)
	}
	a := &app{db: env.DB, emit: env.Emit, check: newChecker(), log: env.Logger, now: env.Now, cfg: cfg}
	a.peers = peers{reservations: env.Outbound(clientReservations), guests: env.Outbound(clientGuests)}
	for name, c := range map[string]*outbound.Client{clientReservations: a.peers.reservations, clientGuests: a.peers.guests} {
		if c != nil {
			continue
		}
		if cfg.RequirePeers {
			return nil, fmt.Errorf("%s: the URL of %s is unset and REVIEWS_REQUIRE_PEERS=true", env.Name, name)
		}
		env.Logger.Warn("the URL of "+name+" is unset: submissions the event copy cannot decide get 503 (dev only)", "client", name)
	}
	return a, nil
}
