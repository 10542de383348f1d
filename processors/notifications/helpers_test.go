package notifications

import (
	"fmt"
	"net/http"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/processors/notifications/provider"
)

func inAppMessage(ref, recipient string, i int) provider.Message {
	return provider.Message{ID: ref, To: recipient, Subject: fmt.Sprint("title ", i), Body: fmt.Sprint("body ", i)}
}

// otherSendGridKeyRequest signs events with a key the API does not trust.
func (h *harness) otherSendGridKeyRequest(url string, events []map[string]any) (*http.Request, error) {
	other, err := providerfake.NewSendGrid(providerfake.SendGridConfig{})
	if err != nil {
		return nil, err
	}
	h.t.Cleanup(other.Close)
	return other.SignedEventRequest(h.ctx, url, events)
}
