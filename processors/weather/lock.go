package weather

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/valkey-io/valkey-go"
)

// locker is a short Valkey lock per cell, so that instances refreshing the same cell make
// one upstream call between them. It is a lease (SET NX PX): a crashed holder blocks the
// others for at most the lease.
type locker struct{ vk valkey.Client }

// release deletes the lock only if it is still ours (a lease that ran out may be another's).
var release = valkey.NewLuaScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// acquire takes the lock: its token, and whether it is held (false: another's).
func (l locker) acquire(ctx context.Context, key string, lease time.Duration) (string, bool, error) {
	token := newToken()
	return l.took(key, token, l.vk.Do(ctx, l.setNX(key, token, lease)))
}

// acquireThen takes the lock and runs then right after it in one round trip (a pipeline:
// the server runs then after the SET NX, whoever got the lock), and returns then's results
// besides acquire's.
func (l locker) acquireThen(ctx context.Context, key string, lease time.Duration, then ...valkey.Completed) (string, bool, []valkey.ValkeyResult, error) {
	token := newToken()
	rs := l.vk.DoMulti(ctx, append([]valkey.Completed{l.setNX(key, token, lease)}, then...)...)
	token, held, err := l.took(key, token, rs[0])
	return token, held, rs[1:], err
}

func (l locker) setNX(key, token string, lease time.Duration) valkey.Completed {
	return l.vk.B().Set().Key(key).Value(token).Nx().Px(lease).Build()
}

// took reads the SET NX's reply: the lock is held with token, or it is another's.
func (l locker) took(key, token string, r valkey.ValkeyResult) (string, bool, error) {
	err := r.Error()
	if valkey.IsValkeyNil(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("weather: valkey lock %s: %w", key, err)
	}
	return token, true, nil
}

// newToken is a lock holder's random identity, so that it releases only its own lease.
func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (l locker) release(ctx context.Context, key, token string) {
	_ = release.Exec(ctx, l.vk, []string{key}, []string{token}).Error()
}

func (l locker) held(ctx context.Context, key string) (bool, error) {
	n, err := l.vk.Do(ctx, l.vk.B().Exists().Key(key).Build()).AsInt64()
	if err != nil {
		return false, fmt.Errorf("weather: valkey lock %s: %w", key, err)
	}
	return n == 1, nil
}
