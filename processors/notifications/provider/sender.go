package provider

import "context"

// Sender delivers messages of one channel. Implementations are safe for concurrent use.
type Sender interface {
	// Name is the provider's name, e.g. "sendgrid"; the label of its metrics and log lines.
	Name() string
	// Channel is the channel the sender delivers on.
	Channel() Channel
	// Send makes one delivery attempt; see the package doc for what its error means.
	Send(ctx context.Context, m Message) (Result, error)
}
