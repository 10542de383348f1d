package valkeystream

import "context"

type entryIDKey struct{}

// EntryIDFromContext returns the stream entry ID of a received message, from the message's
// context (msg.Context()). It is for logs and diagnostics; Ack and Nack need nothing from it.
func EntryIDFromContext(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(entryIDKey{}).(string)
	return id, ok
}

func withEntryID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, entryIDKey{}, id)
}
