package provider

import (
	"net"
	"net/http"
	"time"

	"github.com/novatrek/support/internal/platform/outbound"
)

// DefaultTimeout bounds one send attempt when a client's Config leaves Timeout zero. The
// providers answer in well under a second; 10s leaves room for a slow TLS handshake while
// still freeing the worker long before the pipeline's own deadline.
const DefaultTimeout = 10 * time.Second

// NewHTTPClient returns the client the provider clients use by default: its own transport
// (never http.DefaultClient, whose settings any package can change), keeping up to 256 idle
// connections per host, because a delivery worker sends hundreds of messages a second to
// one host and the default of 2 would reconnect for nearly every one. It has no overall
// Timeout: every call carries a context deadline instead.
func NewHTTPClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          512,
			MaxIdleConnsPerHost:   256,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   5 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: noRedirects,
	}
}

// HTTPClientOf is the declared client c's instrumented HTTP client (each attempt on the
// service's /metrics, labelled with the service and c's target), not following redirects
// either. The provider packages' NewOver constructors send through it.
func HTTPClientOf(c *outbound.Client) *http.Client {
	hc := *c.HTTP
	hc.CheckRedirect = noRedirects
	return &hc
}

// noRedirects: a provider API never redirects a send; following one could replay the POST
// (and its Authorization header) somewhere else.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
