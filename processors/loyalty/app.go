package loyalty

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/worker"
	"github.com/novatrek/support/outbox"
)

// app is the running service: the consumer's handlers, the API's and the workers share it.
type app struct {
	cfg    Config
	db     *pgxpool.Pool
	ledger Ledger[store.DB]
	// ladder is the tiers table, read at start (a change of the ladder is a deploy).
	ladder  Ladder
	up      *upstream
	emit    *outbox.Emitter[store.Execer]
	cbRelay *outbox.Relay // the Couchbase outbox collection's; nil with the postgres store
	log     *slog.Logger
	now     func() time.Time
}

// newApp reads the configuration and builds the app from env; everything malformed is an
// error here, before anything runs.
func newApp(ctx context.Context, env service.Env) (*app, error) {
	var cfg Config
	if err := env.Load(&cfg); err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, db: env.DB, ledger: pgLedger{}, up: newUpstream(env), emit: env.Emit, log: env.Logger, now: env.Now}
	if err := a.openStore(ctx, env); err != nil { // LOYALTY_STORE (couchbase_app.go)
		return nil, err
	}
	return a, nil
}

// idSpace derives entry and event ids from their cause (uuid v5), so the same cause always
// names the same entry and event: a batch re-applied after a crash or a restore re-emits
// events the consumers' inboxes already hold, never new ones (eventID).
var idSpace = uuid.MustParse("6f1d2c3e-7a5b-4c8d-9e0f-1a2b3c4d5e6f")

func derivedID(parts ...string) uuid.UUID {
	name := ""
	for _, p := range parts {
		name += p + "/"
	}
	return uuid.NewSHA1(idSpace, []byte(name))
}

// runExpiry is the "expiry" worker: every LOYALTY_EXPIRY_INTERVAL, the lots expired by
// today are booked out.
func (a *app) runExpiry(ctx context.Context) error {
	return worker.Every("expiry", a.cfg.ExpiryInterval, a.log, a.expireDueLots)(ctx)
}

// runTierRecalculation is the "tier recalculation" worker: every LOYALTY_TIER_INTERVAL, the
// members whose rolling window moved get their tier decided again.
func (a *app) runTierRecalculation(ctx context.Context) error {
	return worker.Every("tier recalculation", a.cfg.TierInterval, a.log, a.recalculateTiers)(ctx)
}

// eventID is the outbox id of the event of kind about the cause named by parts.
func eventID(kind string, parts ...string) outbox.EmitOption {
	return outbox.ID(derivedID(append([]string{"event", kind}, parts...)...).String())
}
