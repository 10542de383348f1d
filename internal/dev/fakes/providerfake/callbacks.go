package providerfake

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// callbacks posts a fake's status callbacks, synchronously (Emit… methods) or in the
// background (automatic callbacks after an accepted message).
type callbacks struct {
	client *http.Client
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	sent    int
	failed  int
	lastErr error
}

func newCallbacks(client *http.Client) *callbacks {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &callbacks{client: client, ctx: ctx, cancel: cancel}
}

// post sends req and counts the outcome; a non-2xx answer is a failure.
func (c *callbacks) post(req *http.Request) error {
	resp, err := c.client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			err = fmt.Errorf("callback to %s answered %d", req.URL.Redacted(), resp.StatusCode)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.failed++
		c.lastErr = err
		return err
	}
	c.sent++
	return nil
}

// async runs fn in the background until close.
func (c *callbacks) async(fn func(ctx context.Context)) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		fn(c.ctx)
	}()
}

// drain waits for the background callbacks started so far.
func (c *callbacks) drain() { c.wg.Wait() }

func (c *callbacks) close() {
	c.cancel()
	c.wg.Wait()
}

// CallbackStats counts the callbacks a fake posted.
type CallbackStats struct {
	Sent    int
	Failed  int
	LastErr error
}

func (c *callbacks) stats() CallbackStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CallbackStats{Sent: c.sent, Failed: c.failed, LastErr: c.lastErr}
}
