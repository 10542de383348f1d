package soak

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
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

// TestProxySpreadsCallsOverLiveInstances: the proxy strips the service's prefix, takes the
// live instances in turn, leaves out for a while one that refused a connection, and
// answers 503 when none is live.
func TestProxySpreadsCallsOverLiveInstances(t *testing.T) {
	var ins []*process
	for _, name := range []string{"a", "b"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, name+" "+r.URL.Path)
		}))
		t.Cleanup(srv.Close)
		ins = append(ins, &process{name: name, addr: strings.TrimPrefix(srv.URL, "http://"), done: make(chan struct{})})
	}
	px := httptest.NewServer(&proxy{refusedFor: time.Hour, instances: func(service string) []*process {
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
	// b is started again but not listening yet: after the call that meets its refusal, the
	// calls go to a.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	ins[1].addr = strings.TrimPrefix(closed.URL, "http://")
	refusals := 0
	for range 4 {
		if code, body := get("/svc-x/v1/things/1"); code == http.StatusBadGateway {
			refusals++
		} else if code != http.StatusOK || body[:1] != "a" {
			t.Fatalf("GET with b refusing = %d %q, want a's answer", code, body)
		}
	}
	if refusals != 1 {
		t.Errorf("%d calls met b's refusal, want 1 (then b is left out)", refusals)
	}
	close(ins[0].done) // a ended
	close(ins[1].done)
	if code, _ := get("/svc-x/v1/things/1"); code != http.StatusServiceUnavailable {
		t.Errorf("no live instance: %d, want 503", code)
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
