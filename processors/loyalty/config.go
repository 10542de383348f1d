package loyalty

import (
	"fmt"
	"time"
)

// Config is the service's own settings; the upstream services' URLs, tokens and timeouts
// are its Spec's Clients and the pool size its Store's. config.Load reads each field from
// its variable (an unset one takes the default tag).
type Config struct {
	// PointsLifetimeMonths is how long an earning lot lasts: points earned on a day expire
	// that many months later.
	PointsLifetimeMonths int `env:"LOYALTY_POINTS_LIFETIME_MONTHS" default:"24"`
	// TierWindowMonths is the rolling window whose earnings decide the tier.
	TierWindowMonths int `env:"LOYALTY_TIER_WINDOW_MONTHS" default:"12"`
	// TierHysteresisPercent is how far below its tier's threshold a member may fall before
	// being demoted (see Ladder.Decide).
	TierHysteresisPercent int `env:"LOYALTY_TIER_HYSTERESIS_PERCENT" default:"10"`
	// ExpiryInterval is how often expired lots are booked out.
	ExpiryInterval time.Duration `env:"LOYALTY_EXPIRY_INTERVAL" default:"1h"`
	// TierInterval is how often tiers are recalculated for members whose window moved.
	TierInterval time.Duration `env:"LOYALTY_TIER_INTERVAL" default:"1h"`
	// StoreConfig is LOYALTY_STORE and the COUCHBASE_* settings (couchbase_config.go).
	StoreConfig
}

// Validate checks the ranges and combinations config.Load cannot (config.Load calls it).
func (c *Config) Validate() error {
	switch {
	case c.PointsLifetimeMonths < 1 || c.PointsLifetimeMonths > 120:
		return fmt.Errorf("loyalty: LOYALTY_POINTS_LIFETIME_MONTHS %d must be between 1 and 120", c.PointsLifetimeMonths)
	case c.TierWindowMonths < 1 || c.TierWindowMonths > 60:
		return fmt.Errorf("loyalty: LOYALTY_TIER_WINDOW_MONTHS %d must be between 1 and 60", c.TierWindowMonths)
	case c.TierHysteresisPercent < 0 || c.TierHysteresisPercent > 100:
		return fmt.Errorf("loyalty: LOYALTY_TIER_HYSTERESIS_PERCENT %d must be between 0 and 100", c.TierHysteresisPercent)
	case c.ExpiryInterval <= 0 || c.TierInterval <= 0:
		return fmt.Errorf("loyalty: LOYALTY_EXPIRY_INTERVAL and LOYALTY_TIER_INTERVAL must be positive durations")
	}
	return c.StoreConfig.validate()
}

// expiresOn is the expiry day of points earned at t.
func (c *Config) expiresOn(t time.Time) time.Time {
	return day(t).AddDate(0, c.PointsLifetimeMonths, 0)
}

// windowStart is the start of the tier window ending at now.
func (c *Config) windowStart(now time.Time) time.Time { return now.AddDate(0, -c.TierWindowMonths, 0) }

// day is t's UTC calendar day.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
