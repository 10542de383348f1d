package location

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/outbox"
)

// Config is the service's own settings, read by config.Load from the environment.
type Config struct {
	// MaxRadius bounds a radius query in metres: beyond it a request is a 400, since a
	// continent-wide radius is a mistake that would scan every location.
	MaxRadius int `env:"LOCATION_MAX_RADIUS_M" default:"100000"`
	// PositionHistory is how many recent fixes are kept per guest.
	PositionHistory int `env:"LOCATION_POSITION_HISTORY" default:"50"`
	// TileMaxAge is the Cache-Control max-age of map tiles; their ETag changes with any
	// location, so a client revalidating after it never shows a stale map for longer.
	TileMaxAge time.Duration `env:"LOCATION_TILE_MAX_AGE" default:"60s"`
}

// Validate checks what config.Load does not (it already refuses a value that is not a
// positive integer or duration).
func (c Config) Validate() error {
	if c.MaxRadius > 1_000_000 {
		return fmt.Errorf("LOCATION_MAX_RADIUS_M %d must be at most 1000000 metres", c.MaxRadius)
	}
	return nil
}

// app is the running service: stream handlers and API handlers are its methods.
type app struct {
	db   *pgxpool.Pool
	emit *outbox.Emitter[store.Execer]
	log  *slog.Logger
	now  func() time.Time
	cfg  Config
}

func newApp(_ context.Context, env service.Env) (*app, error) {
	var cfg Config
	if err := env.Load(&cfg); err != nil {
		return nil, err
	}
	return &app{db: env.DB, emit: env.Emit, log: env.Logger, now: env.Now, cfg: cfg}, nil
}
