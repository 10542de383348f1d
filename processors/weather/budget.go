package weather

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
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

// takeTokens takes ARGV[3] tokens (1 when absent), all or none.
const takeTokens = `
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local n = tonumber(ARGV[3]) or 1
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call("HMGET", KEYS[1], "tokens", "ts")
local tokens = tonumber(v[1]) or cap
local ts = tonumber(v[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local wait = 0
local ok = 0
if tokens >= n then
  tokens = tokens - n
  ok = 1
else
  wait = math.ceil((n - tokens) / rate)
end
redis.call("HSET", KEYS[1], "tokens", tostring(tokens), "ts", tostring(now))
redis.call("PEXPIRE", KEYS[1], math.ceil(cap / rate) + 60000)
return {ok, wait}`

var takeToken = valkey.NewLuaScript(takeTokens)

// takeSHA is takeTokens' SHA-1: takeCmd names the script by it (EVALSHA) rather than send
// its body with every miss.
var takeSHA = func() string {
	sum := sha1.Sum([]byte(takeTokens))
	return hex.EncodeToString(sum[:])
}()

// giveTokens puts back ARGV[2] tokens taken and not spent, up to the capacity ARGV[1].
var giveTokens = valkey.NewLuaScript(`
local v = tonumber(redis.call("HGET", KEYS[1], "tokens"))
if v then redis.call("HSET", KEYS[1], "tokens", tostring(math.min(tonumber(ARGV[1]), v + tonumber(ARGV[2])))) end
return 0`)

// budgetError is a call the budget refused; wait is until the next token.
type budgetError struct{ wait time.Duration }

func (e *budgetError) Error() string {
	return fmt.Sprintf("weather: upstream budget exhausted; next call in %s", e.wait)
}

// take takes one token or fails with a *budgetError.
func (b *budget) take(ctx context.Context) error {
	return b.took(takeToken.Exec(ctx, b.vk, []string{b.key}, b.args(1)))
}

// takeCmd takes n tokens (at most the burst: more could never be granted), for a
// pipeline, by the script's SHA-1; its reply goes through retake, then is read with took,
// or with taken when the tokens turn out not to be needed. It returns how many it asks.
func (b *budget) takeCmd(n int) (valkey.Completed, int) {
	n = min(n, b.burst)
	return b.vk.B().Evalsha().Sha1(takeSHA).Numkeys(1).Key(b.key).Arg(b.args(n)...).Build(), n
}

// retake is r, takeCmd's reply, unless the server did not know the script (NOSCRIPT: a
// new, restarted or flushed server); then the take of n runs again through takeToken,
// which sends the body and so loads the script for the takes after.
func (b *budget) retake(ctx context.Context, r valkey.ValkeyResult, n int) valkey.ValkeyResult {
	if ve, ok := valkey.IsValkeyErr(r.Error()); ok && ve.IsNoScript() {
		return takeToken.Exec(ctx, b.vk, []string{b.key}, b.args(n))
	}
	return r
}

func (b *budget) args(n int) []string {
	perMs := float64(b.perHour) / float64(time.Hour/time.Millisecond)
	return []string{fmt.Sprint(b.burst), fmt.Sprintf("%.12f", perMs), fmt.Sprint(n)}
}

// took reads a take's reply: nil when the tokens were taken, else a *budgetError (counted,
// and logged once per exhaustion) or Valkey's error.
func (b *budget) took(r valkey.ValkeyResult) error {
	res, err := r.AsIntSlice()
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

// taken says whether a take's reply took its tokens, without counting or logging a
// refusal: no call was refused when the tokens were not needed after all.
func taken(r valkey.ValkeyResult) bool {
	res, err := r.AsIntSlice()
	return err == nil && len(res) == 2 && res[0] == 1
}

// giveBack puts back n tokens taken and not spent (the flight found the entry fresh, or a
// call failed before the next).
func (b *budget) giveBack(ctx context.Context, n int) {
	if n <= 0 {
		return
	}
	if err := giveTokens.Exec(ctx, b.vk, []string{b.key}, []string{fmt.Sprint(b.burst), fmt.Sprint(n)}).Error(); err != nil {
		b.log.Warn("weather: giving unspent budget tokens back failed; the budget is that much stricter until it refills", "tokens", n, "err", err)
	}
}

// prepaid are the tokens a flight took with its lock for the calls it is about to make;
// fetcher.call spends one instead of taking one.
type prepaid struct{ n atomic.Int32 }

type prepaidKey struct{}

func withPrepaid(ctx context.Context, p *prepaid) context.Context {
	return context.WithValue(ctx, prepaidKey{}, p)
}

// spend uses one of ctx's prepaid tokens, false when it has none left.
func spend(ctx context.Context) bool {
	p, _ := ctx.Value(prepaidKey{}).(*prepaid)
	if p == nil {
		return false
	}
	for {
		n := p.n.Load()
		if n <= 0 {
			return false
		}
		if p.n.CompareAndSwap(n, n-1) {
			return true
		}
	}
}
