package soak

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestReportIsOKOnlyWhenCheckedAndClean: a soak that never reached its checks has not
// passed, and one violation fails it, printed with its line.
func TestReportIsOKOnlyWhenCheckedAndClean(t *testing.T) {
	r := &Report{Faults: map[string]int{FaultKill: 2}, Exits: map[string]int{}}
	var out strings.Builder
	r.Print(&out)
	if r.OK() || !strings.Contains(out.String(), "not checked") {
		t.Errorf("unchecked report: OK %v, printed\n%s", r.OK(), out.String())
	}
	r.Checked = true
	if !r.OK() {
		t.Error("checked report without violations is not OK")
	}
	r.violate("svc-x: %d records neither applied nor dead-lettered", 3)
	out.Reset()
	r.Print(&out)
	if r.OK() || !strings.Contains(out.String(), "VIOLATED: svc-x: 3 records neither applied nor dead-lettered") {
		t.Errorf("report with a violation: OK %v, printed\n%s", r.OK(), out.String())
	}
}

// TestProxySpreadsCallsOverReadyInstances: the proxy strips the service's prefix and takes
// the ready instances in turn; an instance started again that listens late is probed, not
// called, so no call meets its closed port (no 502), and it gets calls once it answers
// /readyz; a call finding no ready instance waits for one; none live is a 503 at once.
func TestProxySpreadsCallsOverReadyInstances(t *testing.T) {
	var calls atomic.Int64 // calls the instances served (their /readyz not counted)
	serve := func(name string, ln net.Listener) {
		srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/readyz" {
				calls.Add(1)
			}
			io.WriteString(w, name+" "+r.URL.Path)
		})}
		go srv.Serve(ln) //nolint:errcheck // closed at cleanup
		t.Cleanup(func() { srv.Close() })
	}
	// lateAddr is an address nothing listens on yet; listen starts serving name there.
	lateAddr := func() (string, func(name string)) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr, func(name string) {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			serve(name, ln)
		}
	}
	var ins []*process
	for _, name := range []string{"a", "b"} {
		addr, listen := lateAddr()
		listen(name)
		ins = append(ins, &process{name: name, addr: addr, done: make(chan struct{})})
	}
	px := httptest.NewServer(&proxy{probeEvery: 10 * time.Millisecond, instances: func(service string) []*process {
		if service == "svc-x" {
			return ins
		}
		return nil
	}})
	t.Cleanup(px.Close)
	get := func(path string) (int, string) {
		resp, err := http.Get(px.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	seen := map[string]bool{}
	for range 4 {
		code, body := get("/svc-x/v1/things/1")
		if code != http.StatusOK || !strings.HasSuffix(body, " /v1/things/1") {
			t.Fatalf("GET through the proxy = %d %q", code, body)
		}
		seen[body[:1]] = true
	}
	if !seen["a"] || !seen["b"] {
		t.Errorf("calls reached %v, want both instances", seen)
	}

	// b is killed and started again on a port it listens on only later: the calls until
	// then go to a, none meets b's closed port; once b answers /readyz it gets calls.
	close(ins[1].done)
	addr, listen := lateAddr()
	ins[1].restartAt(addr)
	for range 10 {
		if code, body := get("/svc-x/v1/things/2"); code != http.StatusOK || body[:1] != "a" {
			t.Fatalf("GET with b not listening yet = %d %q, want a's answer", code, body)
		}
	}
	listen("b2")
	for i := 0; ; i++ {
		code, body := get("/svc-x/v1/things/3")
		if code != http.StatusOK {
			t.Fatalf("GET after b listened = %d %q", code, body)
		}
		if strings.HasPrefix(body, "b2 ") {
			break
		}
		if i == 1000 {
			t.Fatalf("b listens and answers /readyz, but 1000 calls went to a")
		}
	}

	// Only b is live, started again and not listening yet: a call waits for it, not a 502.
	close(ins[0].done)
	close(ins[1].done)
	addr, listen = lateAddr()
	ins[1].restartAt(addr)
	before := calls.Load()
	answer := make(chan string, 1)
	go func() {
		code, body := get("/svc-x/v1/things/4")
		answer <- strconv.Itoa(code) + " " + body
	}()
	time.Sleep(50 * time.Millisecond) // the call is waiting (or about to): either way it must not fail
	if n := calls.Load(); n != before {
		t.Fatalf("%d calls served before b listened", n-before)
	}
	listen("b3")
	if got := <-answer; got != "200 b3 /v1/things/4" {
		t.Errorf("the call waiting for b's restart got %q, want b3's answer", got)
	}

	close(ins[1].done)
	if code, _ := get("/svc-x/v1/things/5"); code != http.StatusServiceUnavailable {
		t.Errorf("no live instance: %d, want 503", code)
	}
}

// restartAt stands for a start of p again, serving at addr, as the faults do while the
// proxy reads p (under p.mu, as start does).
func (p *process) restartAt(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addr, p.done = addr, make(chan struct{})
}

// TestProxyStopsSendingToAnInstanceNoLongerReady: the readiness probe goes on once an
// instance is ready; when its /readyz answers 503 it gets no calls until it answers 200.
func TestProxyStopsSendingToAnInstanceNoLongerReady(t *testing.T) {
	var unready atomic.Bool
	var refusals atomic.Int64 // 503s a's /readyz answered
	var ins []*process
	for _, name := range []string{"a", "b"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if name == "a" && r.URL.Path == "/readyz" && unready.Load() {
				refusals.Add(1)
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, name)
		}))
		t.Cleanup(srv.Close)
		done := make(chan struct{})
		t.Cleanup(func() { close(done) })
		ins = append(ins, &process{name: name, addr: strings.TrimPrefix(srv.URL, "http://"), done: done})
	}
	px := httptest.NewServer(&proxy{probeEvery: 10 * time.Millisecond, readyProbeEvery: 10 * time.Millisecond,
		instances: func(string) []*process { return ins }})
	t.Cleanup(px.Close)
	get := func() string {
		resp, err := http.Get(px.URL + "/svc-x/v1/things/1")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET through the proxy = %d %q", resp.StatusCode, b)
		}
		return string(b)
	}
	for i := 0; get() != "a"; i++ {
		if i == 1000 {
			t.Fatal("a is ready, but 1000 calls went to b")
		}
	}
	unready.Store(true)
	// The second 503 is asked for after the first was recorded.
	for refusals.Load() < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	for range 20 {
		if got := get(); got != "b" {
			t.Fatalf("a's /readyz answers 503, but a call went to %q", got)
		}
	}
	unready.Store(false)
	for i := 0; get() != "a"; i++ {
		if i == 1000 {
			t.Fatal("a is ready again, but 1000 calls went to b")
		}
	}
}

// TestProxyGivesUpOnAnInstanceNeverReady: a call finding only an instance that never
// answers /readyz waits readyWait, then gets a 503 saying so (not a 502).
func TestProxyGivesUpOnAnInstanceNeverReady(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	in := &process{name: "a", addr: addr, done: make(chan struct{})}
	px := httptest.NewServer(&proxy{probeEvery: 10 * time.Millisecond, readyWait: 100 * time.Millisecond,
		instances: func(string) []*process { return []*process{in} }})
	t.Cleanup(px.Close)
	resp, err := http.Get(px.URL + "/svc-x/v1/things/1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "no ready instance of svc-x") {
		t.Errorf("GET with the only instance never ready = %d %q, want 503 no ready instance", resp.StatusCode, body)
	}
}

// TestReportSaysHowMuchOfTheDayWasSent: a day-mode report prints the events sent against
// the plan, topic by topic, and the compression of the traffic time; a day cut short says
// INCOMPLETE with the share sent.
func TestReportSaysHowMuchOfTheDayWasSent(t *testing.T) {
	plan := map[string]int{"novatrek.a": 60, "novatrek.b": 40}
	r := &Report{Days: 20, Planned: 100, PlannedByTopic: plan, Events: 100, ByTopic: map[string]int{"novatrek.a": 60, "novatrek.b": 40},
		Traffic: 30 * time.Minute, Faults: map[string]int{}}
	var out strings.Builder
	r.Print(&out)
	for _, want := range []string{"100 of 100 planned events sent, the whole of it", "24 h of a 20x day in 30m0s, 48x; 960x the spec's daily rate",
		"novatrek.a", "60 of      60 (3 a spec day)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	r.Events, r.ByTopic = 50, map[string]int{"novatrek.a": 30, "novatrek.b": 20}
	out.Reset()
	r.Print(&out)
	if !strings.Contains(out.String(), "50 of 100 planned events sent, INCOMPLETE: 50.0 % of it") {
		t.Errorf("a day cut short:\n%s", out.String())
	}
}

// TestFreePortIsBelowTheEphemeralRange: the soak's ports come from below the range the
// kernel hands to outgoing connections, each once, and are free to listen on.
func TestFreePortIsBelowTheEphemeralRange(t *testing.T) {
	lo, hi := listenPorts()
	seen := map[int]bool{}
	for range 20 {
		p := freePort()
		if p < lo || p >= hi || seen[p] {
			t.Fatalf("freePort() = %d: want a port in [%d, %d) not handed out before (%v)", p, lo, hi, seen)
		}
		seen[p] = true
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Fatalf("port %d is not free: %v", p, err)
		}
		l.Close()
	}
}
