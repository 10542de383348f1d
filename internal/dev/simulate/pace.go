package simulate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"
)

// pacer lets event i go at start + i/rate, so the long-run rate is exact whatever each send
// costs. When it falls behind by more than a second (a stalled broker, a suspended laptop)
// it starts counting afresh instead of bursting to catch up.
type pacer struct {
	interval time.Duration
	now      func() time.Time
	start    time.Time
	i        int64
}

func newPacer(rate float64, now func() time.Time) *pacer {
	iv := time.Duration(float64(time.Second) / rate)
	if iv <= 0 {
		iv = 1
	}
	return &pacer{interval: iv, now: now}
}

// wait blocks until the next event is due, or returns ctx's error.
func (p *pacer) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := p.now()
	if p.start.IsZero() {
		p.start = now
	}
	due := p.start.Add(time.Duration(p.i) * p.interval)
	if behind := now.Sub(due); behind > time.Second {
		p.start, p.i, due = now, 0, now
	}
	p.i++
	if d := due.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// RandomSeed returns a fresh seed: 8 random bytes in hex.
func RandomSeed() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
