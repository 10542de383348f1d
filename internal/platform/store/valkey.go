package store

import (
	"fmt"
	"sync"

	"github.com/valkey-io/valkey-go"

	"github.com/novatrek/support/internal/platform/config"
)

// Valkey hands out one shared Valkey client, connecting on the first call to Client.
type Valkey struct {
	// KeyPrefix starts the name of every key a service writes (e.g. svc-notifications'
	// job streams), so that two deployments sharing one Valkey database never touch each
	// other's keys. `novatrek dev` sets one per data dir; empty: names as they are.
	KeyPrefix string

	url string

	mu     sync.Mutex
	client valkey.Client
	owned  bool
}

// NewValkey returns a lazy connection to the server at url (redis://, valkey://, ...).
func NewValkey(url string) *Valkey { return &Valkey{url: url, owned: true} }

// ExistingValkey wraps a client someone else already connected (and will close).
func ExistingValkey(c valkey.Client) *Valkey { return &Valkey{client: c} }

// Client returns the shared client, connecting first if needed. A failed connection is not
// cached: the next call tries again.
func (v *Valkey) Client() (valkey.Client, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.client != nil {
		return v.client, nil
	}
	opt, err := valkey.ParseURL(v.url)
	if err != nil {
		return nil, fmt.Errorf("valkey: parse VALKEY_URL: %w", err)
	}
	c, err := valkey.NewClient(opt)
	if err != nil {
		return nil, fmt.Errorf("valkey: connect to %s: %w", config.Redact(v.url), err)
	}
	v.client = c
	return c, nil
}

// Close closes the client if this Valkey connected it.
func (v *Valkey) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.client != nil && v.owned {
		v.client.Close()
		v.client = nil
	}
}
