package soak

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// proxy serves /<service>/... by handing each request to one live instance of that
// service in turn, as a load balancer in front of a deployment would; the simulator's API
// calls go through it, so they reach whichever instances the faults left running. A call
// that finds no live instance gets a 503, which the simulator counts as failed.
type proxy struct {
	instances func(service string) []*process
	next      atomic.Uint64
	// transport carries the calls to the instances (nil: http.DefaultTransport, which keeps
	// two idle connections per instance: with the simulator's calls in flight at once,
	// most would dial afresh).
	transport http.RoundTripper
}

// newProxyTransport keeps a connection per call in flight to every instance.
func newProxyTransport() *http.Transport {
	return &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	var live []*process
	for _, in := range p.instances(name) {
		if in.running() {
			live = append(live, in)
		}
	}
	if len(live) == 0 {
		http.Error(w, "no live instance of "+name, http.StatusServiceUnavailable)
		return
	}
	in := live[p.next.Add(1)%uint64(len(live))]
	target := &url.URL{Scheme: "http", Host: in.addr}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = p.transport
	// An instance killed mid-call is a fault the soak made: the caller gets a 502 and
	// counts the call as failed; no log line per call.
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
		http.Error(w, "instance "+in.name+": "+err.Error(), http.StatusBadGateway)
	}
	r.URL.Path = "/" + rest
	r.URL.RawPath = ""
	rp.ServeHTTP(w, r)
}
