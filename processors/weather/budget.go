package weather

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/valkey-io/valkey-go"
)

// budget is a token bucket for upstream calls that every instance shares through one
// Valkey hash: capacity burst, refilled at perHour. The script runs on the server's clock,
// so instances with skewed clocks still share one rate.
type budget struct {
	vk      valkey.Client
	key     string
	burst   int
	perHour int
	log     *slog.Logger
	m       *metrics
	empty   atomic.Bool // logs the start of an exhaustion once, not every refused call
}

var takeToken = valkey.NewLuaScript(`
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call("HMGET", KEYS[1], "tokens", "ts")
local tokens = tonumber(v[1]) or cap
local ts = tonumber(v[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local wait = 0
local ok = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call("HSET", KEYS[1], "tokens", tostring(tokens), "ts", tostring(now))
redis.call("PEXPIRE", KEYS[1], math.ceil(cap / rate) + 60000)
return {ok, wait}`)

// budgetError is a call the budget refused; wait is until the next token.
type budgetError struct{ wait time.Duration }

func (e *budgetError) Error() string {
	return fmt.Sprintf("weather: upstream budget exhausted; next call in %s", e.wait)
}

// take takes one token or fails with a *budgetError.
func (b *budget) take(ctx context.Context) error {
	perMs := float64(b.perHour) / float64(time.Hour/time.Millisecond)
	res, err := takeToken.Exec(ctx, b.vk, []string{b.key}, []string{fmt.Sprint(b.burst), fmt.Sprintf("%.12f", perMs)}).AsIntSlice()
	if err != nil {
		return fmt.Errorf("weather: upstream budget: %w", err)
	}
	if len(res) == 2 && res[0] == 1 {
		if b.empty.Swap(false) {
			b.log.Info("weather: upstream budget has tokens again")
		}
		return nil
	}
	wait := time.Duration(res[1]) * time.Millisecond
	b.m.budgetExhausted.Inc()
	if !b.empty.Swap(true) {
		b.log.Warn("weather: upstream budget exhausted: provider calls are refused and cached or stale data is served until it refills",
			"burst", b.burst, "per_hour", b.perHour, "next_token_in", wait.String())
	}
	return &budgetError{wait: wait}
}
