package notifications

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/novatrek/support/internal/platform/service"
)

// devCallbacks is where the in-process fake providers post their status callbacks (the
// fake SendGrid's signed Event Webhook, the fake Twilio's StatusCallback) when
// NOTIFICATIONS_PUBLIC_URL is unset, so that `novatrek dev`, `novatrek run` with the fakes
// and the tests see rows move on to delivered without any setting.
//
// Why a listener of its own rather than the service's HTTP address: Run is handed a mux, not
// an address. `novatrek run` serves it at the root of HTTP_ADDR, but `novatrek dev` mounts it
// under /svc-notifications/ on one shared listener, and nothing tells the service which of
// the two it is in; a guessed URL would be wrong in one of them, and Twilio signs the full
// URL. The fakes live in this process, so a loopback listener serving only the two webhook
// routes (same handlers, same signature checks) is right in both, and needs no change to
// the dev stack. With real providers there is no such listener: they need a public URL.
type devCallbacks struct {
	mux *http.ServeMux
	srv *service.HTTPServer
}

// listenDevCallbacks opens the listener on a free 127.0.0.1 port; routes are added later
// (api.registerWebhooks), once the API exists.
func listenDevCallbacks() (*devCallbacks, error) {
	mux := http.NewServeMux()
	srv, err := service.ListenHTTP("127.0.0.1:0", mux)
	if err != nil {
		return nil, fmt.Errorf("notifications: listen for the fake providers' callbacks: %w", err)
	}
	return &devCallbacks{mux: mux, srv: srv}, nil
}

// URL is the base URL the fakes call back on (the PublicURL the service uses in dev).
func (d *devCallbacks) URL() string { return "http://" + d.srv.Addr() }

// close stops the listener, waiting up to 5s for callbacks in flight.
func (d *devCallbacks) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = d.srv.Shutdown(ctx)
}
