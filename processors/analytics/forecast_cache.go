package analytics

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"sync"

	"github.com/novatrek/support/processors/analytics/forecast"
)

// fitted is a fitted model with its backtest.
type fitted struct {
	model    *forecast.Model
	backtest forecast.Backtest
}

// fitCache keeps fits by their input: the season and every value of the series. A fit is a
// pure function of those, so a hit is exactly what fitting again would give, and a late
// event that changes any bucket changes the key: nothing stale is ever served. Dashboards
// ask for the same forecasts all day; the fit (two Nelder-Mead runs) is the costly part.
type fitCache struct {
	mu   sync.Mutex
	fits map[uint64]fitted
}

// maxCachedFits bounds the cache; when full it starts over (the set of forecasts a team
// watches is small, and a miss costs one fit).
const maxCachedFits = 512

// fit returns the fit of y with season m, from the cache or computed.
func (c *fitCache) fit(y []float64, m int) (fitted, error) {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(m))
	h.Write(b[:])
	for _, v := range y {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		h.Write(b[:])
	}
	key := h.Sum64()
	c.mu.Lock()
	f, ok := c.fits[key]
	c.mu.Unlock()
	if ok {
		return f, nil
	}
	md, err := forecast.Fit(y, m)
	if err != nil {
		return fitted{}, err
	}
	bt, err := forecast.Evaluate(y, m)
	if err != nil {
		return fitted{}, err
	}
	f = fitted{model: md, backtest: bt}
	c.mu.Lock()
	if c.fits == nil || len(c.fits) >= maxCachedFits {
		c.fits = map[uint64]fitted{}
	}
	c.fits[key] = f
	c.mu.Unlock()
	return f, nil
}
