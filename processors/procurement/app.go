package procurement

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/outbox"
)

// app is the running service: the handlers' shared state.
type app struct {
	db      *pgxpool.Pool
	emit    *outbox.Emitter[store.Execer]
	catalog catalog
	cfg     settings
	now     func() time.Time
	log     *slog.Logger
}

// newApp reads and checks the configuration and builds the catalog client; a malformed
// setting stops the start with one line naming it.
func newApp(_ context.Context, env service.Env) (*app, error) {
	var cfg Config
	if err := env.Load(&cfg); err != nil {
		return nil, err
	}
	s, err := cfg.parse()
	if err != nil {
		return nil, err
	}
	return &app{db: env.DB, emit: env.Emit, catalog: catalog{http: env.Outbound("gear-inventory")}, cfg: s, now: env.Now, log: env.Logger}, nil
}
