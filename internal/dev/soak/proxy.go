package soak

import (
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// defaultRefusedFor is how long the proxy leaves out an instance that refused a connection
// (a process started again but not listening yet: it migrates, or waits for the registry).
const defaultRefusedFor = 2 * time.Second

// proxy serves /<service>/... by handing each request to one live instance of that
// service in turn, as a load balancer in front of a deployment would; the simulator's API
// calls go through it, so they reach whichever instances the faults left running. A call
// that finds no live instance gets a 503, which the simulator counts as failed. Like a load
// balancer's readiness check, an instance that refused a connection is left out for
// refusedFor (while another is live); the call that met the refusal gets a 502.
type proxy struct {
	instances func(service string) []*process
	// refusedFor is how long a refusing instance is left out (0: defaultRefusedFor).
	refusedFor time.Duration
	next       atomic.Uint64
	mu         sync.Mutex
	refused    map[*process]time.Time // when each instance last refused a connection
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
	var live, listening []*process
	wait := p.refusedFor
	if wait <= 0 {
		wait = defaultRefusedFor
	}
	p.mu.Lock()
	for _, in := range p.instances(name) {
		if in.running() {
			live = append(live, in)
			if time.Since(p.refused[in]) > wait {
				listening = append(listening, in)
			}
		}
	}
	p.mu.Unlock()
	if len(listening) > 0 {
		live = listening
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
		if errors.Is(err, syscall.ECONNREFUSED) {
			p.mu.Lock()
			if p.refused == nil {
				p.refused = map[*process]time.Time{}
			}
			p.refused[in] = time.Now()
			p.mu.Unlock()
		}
		http.Error(w, "instance "+in.name+": "+err.Error(), http.StatusBadGateway)
	}
	r.URL.Path = "/" + rest
	r.URL.RawPath = ""
	rp.ServeHTTP(w, r)
}
