package service

import (
	"github.com/novatrek/support/internal/platform/store"
)

// These moved to internal/platform/store; the names stay here for the callers of the Service
// interface (removed with service.Legacy at the close of issue 12).
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
