package weather

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/valkey-io/valkey-go"
)

// entry is one cached answer: the provider's data, normalised and validated (a malformed
// answer never becomes an entry), with when it was fetched and until when it is fresh.
type entry struct {
	FetchedAt  time.Time       `json:"fetched_at"`
	FreshUntil time.Time       `json:"fresh_until"`
	Data       json.RawMessage `json:"data"`
}

// age is how old e is at now, in whole seconds as the Age header says.
func (e *entry) age(now time.Time) time.Duration {
	return max(now.Sub(e.FetchedAt), 0).Truncate(time.Second)
}

// valkeyCache keeps entries in Valkey under prefix. A key lives StaleMax past its fetch,
// so stale-if-error has something to answer; freshness is the entry's own FreshUntil.
type valkeyCache struct {
	vk     valkey.Client
	prefix string
}

func (c valkeyCache) key(kind, cell string) string { return c.prefix + "weather:" + kind + ":" + cell }

// localTTL bounds how long an entry is served from valkey-go's client-side cache, which
// the server keeps coherent (RESP3 client tracking invalidates it when any instance writes
// the key): a hot cell is then read without a round trip.
const localTTL = 5 * time.Second

// get returns the entry, nil when there is none.
func (c valkeyCache) get(ctx context.Context, kind, cell string) (*entry, error) {
	b, err := c.vk.DoCache(ctx, c.vk.B().Get().Key(c.key(kind, cell)).Cache(), localTTL).AsBytes()
	if valkey.IsValkeyNil(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("weather: valkey get %s %s: %w", kind, cell, err)
	}
	var e entry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("weather: cached %s %s: %w", kind, cell, err)
	}
	return &e, nil
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
	err = c.vk.Do(ctx, c.vk.B().Set().Key(c.key(kind, cell)).Value(valkey.BinaryString(b)).Px(ttl).Build()).Error()
	if err != nil {
		return fmt.Errorf("weather: valkey set %s %s: %w", kind, cell, err)
	}
	return nil
}

// errNoData is what a read answers when there is nothing to serve; its fault says 503.
var errNoData = errors.New("weather: no data")
