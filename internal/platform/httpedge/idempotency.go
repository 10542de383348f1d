package httpedge

import (
	"net/http"

	"github.com/novatrek/support/internal/platform/idempotency"
)

// KeyMode says whether a route takes an Idempotency-Key (internal/platform/idempotency).
type KeyMode int

const (
	// NoKey: reads, and writes whose handler checks its own replay (webhooks).
	NoKey KeyMode = iota
	// KeyRequired: writes that could double an effect; a request without a key is a 400.
	KeyRequired
	// KeyOptional: writes idempotent by nature (a PUT of a state, a rebuild); a key, when
	// sent, still replays the first answer.
	KeyOptional
	// KeyRequiredInTx: KeyRequired for handlers that commit their effect and its answer in
	// one transaction; the key is recorded there, not claimed in a commit before
	// (idempotency.Keeper.RequiredInTx).
	KeyRequiredInTx
)

// String names the mode as routes declare it.
func (m KeyMode) String() string {
	switch m {
	case NoKey:
		return "NoKey"
	case KeyRequired:
		return "KeyRequired"
	case KeyOptional:
		return "KeyOptional"
	case KeyRequiredInTx:
		return "KeyRequiredInTx"
	}
	return "KeyMode(?)"
}

// keyed applies the idempotency protocol to a route that declares a key. It runs after
// authorization: the key is scoped by the caller, and a refused request never claims one.
func keyed(k *idempotency.Keeper, mode KeyMode, next http.Handler) http.Handler {
	switch mode {
	case KeyRequired:
		return k.Required(next)
	case KeyOptional:
		return k.Optional(next)
	case KeyRequiredInTx:
		return k.RequiredInTx(next)
	}
	return next
}
