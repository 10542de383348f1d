package fcm

import (
	"context"

	"github.com/novatrek/support/processors/notifications/provider"
)

// TokenSource supplies OAuth2 access tokens for FCM.
type TokenSource interface {
	// Token returns a valid access token, fetching a new one if needed.
	Token(ctx context.Context) (provider.Secret, error)
}

// Expirer is implemented by token sources that cache: Expire drops tok from the cache
// after FCM refused it (401), so the next Token fetches a fresh one.
type Expirer interface {
	Expire(tok provider.Secret)
}

// Static returns a TokenSource that always answers tok: the fake accepts a fixed token in
// dev and tests.
func Static(tok provider.Secret) TokenSource { return staticToken{tok: tok} }

// staticToken is a struct, not a string type, so that printing it prints the Secret's
// "[REDACTED]" rather than the token.
type staticToken struct{ tok provider.Secret }

func (s staticToken) Token(context.Context) (provider.Secret, error) { return s.tok, nil }
