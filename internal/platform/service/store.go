package service

import (
	"github.com/novatrek/support/internal/platform/store"
)

// These live in internal/platform/store; the CLI and the dev stack reach them here beside
// the Process that uses them.
var (
	// OwnPool is store.OwnPool.
	OwnPool = store.OwnPool
	// ConnectPostgres is store.Connect.
	ConnectPostgres = store.Connect
	// NewValkey is store.NewValkey.
	NewValkey = store.NewValkey
	// ExistingValkey is store.ExistingValkey.
	ExistingValkey = store.ExistingValkey
)

// Valkey is store.Valkey.
type Valkey = store.Valkey
