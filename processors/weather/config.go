package weather

import (
	"fmt"
	"time"
)

// Config is svc-weather's settings, read from the environment at start.
type Config struct {
	// ConditionsTTL is how long current conditions are fresh: the spec's 5 minutes (shorter
	// when the provider's Cache-Control says so).
	ConditionsTTL time.Duration `env:"WEATHER_CONDITIONS_TTL" default:"5m"`
	// ForecastTTL caps a forecast's freshness; the provider's Cache-Control decides below it.
	ForecastTTL time.Duration `env:"WEATHER_FORECAST_TTL" default:"1h"`
	// Revalidate is how long past its freshness an entry is still answered at once while
	// one refresh runs behind it (stale-while-revalidate).
	Revalidate time.Duration `env:"WEATHER_REVALIDATE_WINDOW" default:"1m"`
	// StaleMax is the oldest data answered when the provider fails (stale-if-error).
	StaleMax time.Duration `env:"WEATHER_STALE_MAX" default:"1h"`
	// BudgetPerHour and BudgetBurst are the token bucket all instances share for upstream
	// calls: about 100 fetches a day are expected, so 600 an hour is ample headroom and
	// still protects the provider (and our API key) from a stampede.
	BudgetPerHour int `env:"WEATHER_UPSTREAM_BUDGET_PER_HOUR" default:"600"`
	BudgetBurst   int `env:"WEATHER_UPSTREAM_BURST" default:"60"`
	// LockLease bounds how long one instance holds a cell's refresh for the others.
	LockLease time.Duration `env:"WEATHER_REFRESH_LOCK" default:"10s"`
	// AlertPoll is how often the active alerts of every watched area are polled.
	AlertPoll time.Duration `env:"WEATHER_ALERT_POLL" default:"5m"`
	// AssessEvery is how often upcoming departures are re-assessed against the forecast.
	AssessEvery time.Duration `env:"WEATHER_ASSESS_INTERVAL" default:"15m"`
	// UserAgent identifies NovaTrek to the provider (the NWS refuses anonymous clients).
	UserAgent string `env:"WEATHER_USER_AGENT" default:"NovaTrek svc-weather (ops@novatrek.example)"`
}

// Validate checks the ranges and combinations config.Load cannot (config.Load calls it).
func (c Config) Validate() error {
	if c.StaleMax < c.ConditionsTTL || c.StaleMax < c.Revalidate {
		return fmt.Errorf("WEATHER_STALE_MAX %s is shorter than WEATHER_CONDITIONS_TTL or WEATHER_REVALIDATE_WINDOW", c.StaleMax)
	}
	return nil
}
