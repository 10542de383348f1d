package procurement

import (
	"sync/atomic"
	"time"
)

// clock is a settable test clock: real time plus an offset the test advances.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }
