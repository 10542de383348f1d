package weather

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/valkey-io/valkey-go"
)

// entry is one cached answer: the provider's data, normalised and validated (a malformed
// answer never becomes an entry), with when it was fetched and until when it is fresh.
type entry struct {
	FetchedAt  time.Time       `json:"fetched_at"`
	FreshUntil time.Time       `json:"fresh_until"`
	Data       json.RawMessage `json:"data"`

	// api is what the API writes of Data, computed once per entry (encoded): an entry read
	// from the cache is shared by every request for its cell until the value changes.
	apiOnce sync.Once
	api     []byte
	apiErr  error
}

// encoded is Data as the API writes it, computed by present on the first call and shared
// by every later one (100 waiters on one refresh, every hit on a hot cell).
func (e *entry) encoded(present func(data []byte) ([]byte, error)) ([]byte, error) {
	e.apiOnce.Do(func() { e.api, e.apiErr = present(e.Data) })
	return e.api, e.apiErr
}

// age is how old e is at now, in whole seconds as the Age header says.
func (e *entry) age(now time.Time) time.Duration {
	return max(now.Sub(e.FetchedAt), 0).Truncate(time.Second)
}

// valkeyCache keeps entries in Valkey under prefix. A key lives StaleMax past its fetch,
// so stale-if-error has something to answer; freshness is the entry's own FreshUntil.
type valkeyCache struct {
	vk      valkey.Client
	prefix  string
	decoded *decoded
}

func (c valkeyCache) key(kind, cell string) string { return c.prefix + "weather:" + kind + ":" + cell }

// localTTL bounds how long an entry is served from valkey-go's client-side cache, which
// the server keeps coherent (RESP3 client tracking invalidates it when any instance writes
// the key): a hot cell is then read without a round trip.
const localTTL = 5 * time.Second

// get returns the entry, nil when there is none.
func (c valkeyCache) get(ctx context.Context, kind, cell string) (*entry, error) {
	key := c.key(kind, cell)
	return c.entryOf(kind, cell, key, c.vk.DoCache(ctx, c.vk.B().Get().Key(key).Cache(), localTTL))
}

// getServer is get from the server, not from valkey-go's client-side copy: the server's
// invalidation of that copy follows the reply to the write that caused it, so just after
// another flight or instance wrote the key, the copy may still hold the miss. The checks
// that decide whether to call the provider read here.
func (c valkeyCache) getServer(ctx context.Context, kind, cell string) (*entry, error) {
	return c.entryOf(kind, cell, c.key(kind, cell), c.vk.Do(ctx, c.getServerCmd(kind, cell)))
}

// getServerCmd is getServer's command, for a pipeline.
func (c valkeyCache) getServerCmd(kind, cell string) valkey.Completed {
	return c.vk.B().Get().Key(c.key(kind, cell)).Build()
}

// entryOf is the entry a GET of key answered, nil when there is none.
func (c valkeyCache) entryOf(kind, cell, key string, r valkey.ValkeyResult) (*entry, error) {
	raw, err := r.ToString()
	if valkey.IsValkeyNil(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("weather: valkey get %s %s: %w", kind, cell, err)
	}
	e, err := c.decoded.get(key, raw)
	if err != nil {
		return nil, fmt.Errorf("weather: cached %s %s: %w", kind, cell, err)
	}
	return e, nil
}

// put stores e until keep past its fetch.
func (c valkeyCache) put(ctx context.Context, kind, cell string, e *entry, keep time.Duration) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	ttl := time.Until(e.FetchedAt.Add(keep))
	if ttl < time.Millisecond {
		return nil
	}
	key := c.key(kind, cell)
	err = c.vk.Do(ctx, c.vk.B().Set().Key(key).Value(valkey.BinaryString(b)).Px(ttl).Build()).Error()
	if err != nil {
		return fmt.Errorf("weather: valkey set %s %s: %w", kind, cell, err)
	}
	// The next read of this value (this instance's, after the server's invalidation) finds
	// e, already encoded for the API by whoever waited on this refresh.
	c.decoded.put(key, string(b), e)
	return nil
}

// errNoData is what a read answers when there is nothing to serve; its fault says 503.
var errNoData = errors.New("weather: no data")
