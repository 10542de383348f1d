package soak

import (
	"context"
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

// Defaults of the proxy's readiness probe (see proxy): probeEvery while an instance is not
// ready, readyProbeEvery once it is (as a load balancer's periodic readiness check).
const (
	defaultProbeEvery      = 100 * time.Millisecond
	defaultReadyProbeEvery = time.Second
	defaultReadyWait       = 10 * time.Second
)

// proxy serves /<service>/... by handing each request to one ready instance of that
// service in turn, as a load balancer in front of a deployment would; the simulator's API
// calls go through it, so they reach whichever instances the faults left running.
//
// Like a load balancer's readiness check, it sends an instance traffic only while that
// instance's current run (each start of the process is a run) answers 200 on /readyz: a
// process started again after a kill is probed, not tried with a call, while it migrates
// or waits for the registry, so no call meets its closed port. The probe goes on once the
// run is ready (every readyProbeEvery): an instance whose /readyz stops answering 200
// gets no traffic until it does again. A call that finds no ready instance waits up to
// readyWait for one (a restart's cold start), then gets a 503, as one that finds no live
// instance does at once; the simulator counts both as failed. An instance that refuses a
// connection although it was ready (it is shutting down) gets no more traffic until its
// probe sees it ready again; the call that met the refusal gets a 502.
type proxy struct {
	instances func(service string) []*process
	// probeEvery and readyProbeEvery are the readiness probe's periods before and after
	// the run is ready, readyWait how long a call waits for a ready instance (0: the
	// defaults).
	probeEvery, readyProbeEvery, readyWait time.Duration
	next                                   atomic.Uint64
	mu                                     sync.Mutex
	runs                                   map[*process]*run // the latest run the proxy saw of each instance
	// transport carries the calls to the instances (nil: http.DefaultTransport, which keeps
	// two idle connections per instance: with the simulator's calls in flight at once,
	// most would dial afresh).
	transport http.RoundTripper
}

// run is one start of an instance: done is the process's channel for that start, addr
// where it serves, ready whether its /readyz answered 200 at the latest probe.
type run struct {
	done  chan struct{}
	addr  string
	ready atomic.Bool
}

func (r *run) isReady() bool { return r.ready.Load() }

// newProxyTransport keeps a connection per call in flight to every instance.
func newProxyTransport() *http.Transport {
	return &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	in, cur, live := p.pick(r.Context(), name)
	if in == nil {
		if live {
			http.Error(w, "no ready instance of "+name+" within "+orDefault(p.readyWait, defaultReadyWait).String(), http.StatusServiceUnavailable)
		} else {
			http.Error(w, "no live instance of "+name, http.StatusServiceUnavailable)
		}
		return
	}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: cur.addr})
	rp.Transport = p.transport
	// An instance killed mid-call is a fault the soak made: the caller gets a 502 and
	// counts the call as failed; no log line per call.
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
		if errors.Is(err, syscall.ECONNREFUSED) {
			cur.ready.Store(false) // out of the traffic until its probe sees it ready again
		}
		http.Error(w, "instance "+in.name+": "+err.Error(), http.StatusBadGateway)
	}
	r.URL.Path = "/" + rest
	r.URL.RawPath = ""
	rp.ServeHTTP(w, r)
}

// pick returns the next ready instance of service and its run, waiting up to readyWait
// while instances are live but none is ready yet; live says whether any was.
func (p *proxy) pick(ctx context.Context, service string) (in *process, cur *run, live bool) {
	deadline := time.Now().Add(orDefault(p.readyWait, defaultReadyWait))
	for {
		var ready []*process
		var runs []*run
		live = false
		for _, in := range p.instances(service) {
			if r := p.runOf(in); r != nil {
				live = true
				if r.isReady() {
					ready, runs = append(ready, in), append(runs, r)
				}
			}
		}
		if len(ready) > 0 {
			i := p.next.Add(1) % uint64(len(ready))
			return ready[i], runs[i], true
		}
		if !live || time.Now().After(deadline) {
			return nil, nil, live
		}
		select {
		case <-ctx.Done():
			return nil, nil, live
		case <-time.After(orDefault(p.probeEvery, defaultProbeEvery)):
		}
	}
}

// runOf returns the current run of in (nil when it is not running), starting its readiness
// probe the first time the proxy sees that run.
func (p *proxy) runOf(in *process) *run {
	_, done, addr := in.current()
	if !isOpen(done) {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.runs[in]; r != nil && r.done == done {
		return r
	}
	if p.runs == nil {
		p.runs = map[*process]*run{}
	}
	r := &run{done: done, addr: addr}
	p.runs[in] = r
	go p.probe(r)
	return r
}

// probe polls r's /readyz until the run ends, every probeEvery while it is not ready and
// every readyProbeEvery while it is, and records whether it answered 200. One probe runs
// per run: it ends with the run, which a newer run replaces only after the old ended.
func (p *proxy) probe(r *run) {
	url := "http://" + r.addr + "/readyz"
	every, readyEvery := orDefault(p.probeEvery, defaultProbeEvery), orDefault(p.readyProbeEvery, defaultReadyProbeEvery)
	client := &http.Client{Timeout: time.Second, Transport: p.transport}
	for {
		ok := false
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			ok = resp.StatusCode == http.StatusOK
		}
		r.ready.Store(ok)
		wait := every
		if ok {
			wait = readyEvery
		}
		select {
		case <-r.done:
			return
		case <-time.After(wait):
		}
	}
}

// orDefault is d, or def when d is not set.
func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
