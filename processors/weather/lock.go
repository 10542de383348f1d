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

func (l locker) acquire(ctx context.Context, key string, lease time.Duration) (string, bool, error) {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	err := l.vk.Do(ctx, l.vk.B().Set().Key(key).Value(token).Nx().Px(lease).Build()).Error()
	if valkey.IsValkeyNil(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("weather: valkey lock %s: %w", key, err)
	}
	return token, true, nil
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
