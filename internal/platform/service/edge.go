package service

import (
	"net/http"

	"github.com/novatrek/support/internal/platform/httpedge"
)

// BodyLimiter is implemented by a service whose API takes request bodies larger than
// httpedge.DefaultMaxBody (templates, say).
type BodyLimiter interface {
	// MaxRequestBody is the largest request body in bytes.
	MaxRequestBody() int64
}

// APIHandler returns the routes svc registered on deps.HTTP behind the HTTP edge every
// service shares (request id, panic recovery, problem 404/405, body limit, text and card
// screens; see internal/platform/httpedge). `dev` and `run` serve this, never the bare mux.
func APIHandler(svc Service, deps Deps) (http.Handler, error) {
	cfg := httpedge.Config{Logger: deps.Logger, Metrics: deps.Metrics}
	if bl, ok := svc.(BodyLimiter); ok {
		cfg.MaxBody = bl.MaxRequestBody()
	}
	e, err := httpedge.New(cfg)
	if err != nil {
		return nil, err
	}
	return e.Wrap(deps.HTTP), nil
}
