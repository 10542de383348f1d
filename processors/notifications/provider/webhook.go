package provider

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// DefaultMaxWebhookBody bounds a webhook body. SendGrid batches events into posts of at
// most a few hundred kilobytes and Twilio's callbacks are under a kilobyte; 5 MiB leaves
// room without letting a caller make us buffer anything it likes.
const DefaultMaxWebhookBody = 5 << 20

// ReadWebhookBody reads r's body up to limit bytes (DefaultMaxWebhookBody if limit <= 0).
// A longer body is an ErrMalformedWebhook, not a truncated one: a signature over a
// truncated body would fail anyway, and saying why helps the operator.
func ReadWebhookBody(provider string, r *http.Request, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxWebhookBody
	}
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, MalformedError(provider, fmt.Sprintf("body larger than %d bytes", limit))
		}
		return nil, fmt.Errorf("%s webhook: read body: %w", provider, err)
	}
	return body, nil
}
