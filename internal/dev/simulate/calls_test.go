package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novatrek/support/schemas"
)

// namedPeople are the non-guest people (TYPE:id) an event names where svc-notifications
// notifies them: a request's recipients, a schedule's guides, an emergency's guides.
func namedPeople(ev Event) []string {
	var out []string
	switch v := ev.Value.(type) {
	case *schemas.NotificationRequested:
		for _, r := range v.Recipients {
			if r.RecipientID != nil && r.RecipientType != "GUEST" {
				out = append(out, r.RecipientType+":"+*r.RecipientID)
			}
		}
	case *schemas.SchedulePublished:
		for _, a := range v.Assignments {
			out = append(out, "GUIDE:"+a.GuideID)
		}
	case *schemas.EmergencyTriggered:
		for _, id := range v.AffectedGuideIds {
			out = append(out, "GUIDE:"+id)
		}
	case *schemas.ReservationCreated:
		if v.PartnerID != nil {
			out = append(out, "PARTNER:"+*v.PartnerID)
		}
	}
	return out
}

var (
	contactPath = regexp.MustCompile(`^/v1/recipients/([A-Z_]+):([^/]+)/contact$`)
	devicePath  = regexp.MustCompile(`^/v1/recipients/GUEST:([^/]+)/devices/([A-Za-z0-9_-]{22}:APA91b[A-Za-z0-9_-]{100,})$`)
	e164        = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	savedName   = regexp.MustCompile(`\{\$[^}]*\}`)
	exampleMail = regexp.MustCompile(`^[a-z0-9.-]+@[a-z.]+\.example(\.com|\.org)?$`)
)

// TestGeneratorWritesContactsBeforeNamingPeople: walking the generator's output in order
// (Before calls, event, After calls), every guide or partner an event names has had its
// contact written before, once, by the domain that owns them, with a valid body; device
// registrations come only right after the guest's guest.registered, for about 70% of
// guests; and the same seed makes the same calls.
func TestGeneratorWritesContactsBeforeNamingPeople(t *testing.T) {
	t.Parallel()
	evs := generate(t, "calls", 20000)
	written := map[string]bool{}
	named, registered, devices := 0, 0, 0
	for i, ev := range evs {
		for _, c := range ev.Before {
			if c.Route != RouteContact {
				continue // a location or workflow call: TestLocationCalls, TestNeighboursWorkflows
			}
			m := contactPath.FindStringSubmatch(c.Path)
			if c.Method != http.MethodPut || m == nil {
				t.Fatalf("event %d: before-call %s %s is not a contact PUT", i, c.Method, c.Path)
			}
			key := m[1] + ":" + m[2]
			if written[key] {
				t.Errorf("event %d: contact of %s written twice", i, key)
			}
			written[key] = true
			if c.Caller != contactWriters[m[1]] {
				t.Errorf("event %d: %s written by %s, want %s", i, key, c.Caller, contactWriters[m[1]])
			}
			var b struct {
				Name, Email, Phone, Locale string
				TimeZone                   string `json:"time_zone"`
			}
			if err := json.Unmarshal(c.Body, &b); err != nil {
				t.Fatalf("event %d: contact body %s: %v", i, c.Body, err)
			}
			if b.Name == "" || !exampleMail.MatchString(b.Email) || !e164.MatchString(b.Phone) || b.Locale == "" {
				t.Errorf("event %d: contact of %s: %s", i, key, c.Body)
			}
			if _, err := time.LoadLocation(b.TimeZone); err != nil || b.TimeZone == "" {
				t.Errorf("event %d: contact of %s: time zone %q: %v", i, key, b.TimeZone, err)
			}
		}
		for _, p := range namedPeople(ev) {
			named++
			if !written[p] {
				t.Fatalf("event %d (%s) names %s before its contact was written", i, ev.Topic, p)
			}
		}
		reg, isReg := ev.Value.(*schemas.GuestRegistered)
		if isReg {
			registered++
		}
		for _, c := range ev.After {
			if c.Route != RouteDevice {
				continue // a check-out or a position read (TestLocationCalls)
			}
			m := devicePath.FindStringSubmatch(c.Path)
			if c.Method != http.MethodPut || c.Caller != "guest-app" || m == nil {
				t.Fatalf("event %d: after-call %s %s by %s is not a device registration", i, c.Method, c.Path, c.Caller)
			}
			if !isReg || m[1] != reg.GuestID {
				t.Fatalf("event %d (%s): device registered for GUEST:%s, not right after its guest.registered", i, ev.Topic, m[1])
			}
			if string(c.Body) != `{"platform":"android"}` && string(c.Body) != `{"platform":"ios"}` {
				t.Errorf("event %d: device body %s", i, c.Body)
			}
			devices++
		}
	}
	if named == 0 || len(written) < 5 {
		t.Fatalf("the run named %d people, wrote %d contacts: too few to test", named, len(written))
	}
	if share := float64(devices) / float64(registered); share < 0.6 || share > 0.8 {
		t.Errorf("%d of %d guests registered a device (%.2f), want about %.1f", devices, registered, share, deviceShare)
	}
	again := generate(t, "calls", 20000)
	for i := range evs {
		if !reflect.DeepEqual(evs[i].Before, again[i].Before) || !reflect.DeepEqual(evs[i].After, again[i].After) {
			t.Fatalf("event %d: the same seed made different calls", i)
		}
	}
	t.Logf("%d events: %d contacts written, %d people named, %d of %d guests with a device", len(evs), len(written), named, devices, registered)
}

// received is what the test server saw of one request.
type received struct {
	Method, Path, Auth, ContentType, Body string
}

// recorder is an httptest server that records every request and answers status.
// s3Upload is where the recorder's upload forms post.
const s3Upload = "/s3-upload"

func recorder(t *testing.T, status int) (*httptest.Server, func() []received) {
	t.Helper()
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		path := r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			path += "?" + r.URL.RawQuery
		}
		got = append(got, received{r.Method, path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(b)})
		mu.Unlock()
		// Every resource is "ID" at revision 1: the workflows' later calls name it. Every
		// answer hands out an upload form posting back here, at /s3-upload.
		w.Header().Set("Location", "/v1/things/ID")
		w.Header().Set("ETag", `"1"`)
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"title":"answer","upload":{"url":"http://%s/s3-upload","fields":{"key":"k"}}}`, r.Host)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

// TestHTTPSinkSendsTheCall: the server under the base URL's prefix receives the call's
// method, path, the caller's dev token and the JSON body; a non-2xx answer is an error
// naming the status.
func TestHTTPSinkSendsTheCall(t *testing.T) {
	t.Parallel()
	srv, got := recorder(t, http.StatusOK)
	sink, err := NewHTTPSink(srv.URL + "/svc-notifications/")
	if err != nil {
		t.Fatal(err)
	}
	c := Call{Method: http.MethodPut, Path: "/v1/recipients/GUIDE:GDE-0101/contact", Caller: "svc-scheduling-orchestrator",
		Body: json.RawMessage(`{"name":"Ava Kim","email":"gde-0101@guides.novatrek.example"}`)}
	if err := sink.Call(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	want := received{"PUT", "/svc-notifications/v1/recipients/GUIDE:GDE-0101/contact", "Bearer dev-svc-scheduling-orchestrator",
		"application/json", `{"name":"Ava Kim","email":"gde-0101@guides.novatrek.example"}`}
	if g := got(); len(g) != 1 || g[0] != want {
		t.Fatalf("server received %+v\nwant %+v", g, want)
	}

	missing, _ := recorder(t, http.StatusNotFound)
	sink404, err := NewHTTPSink(missing.URL + "/svc-notifications")
	if err != nil {
		t.Fatal(err)
	}
	if err := sink404.Call(t.Context(), c); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("404 answer: err = %v; want one naming 404", err)
	}
	for _, bad := range []string{"", "localhost:8080", "ftp://x/y", "http://"} {
		if _, err := NewHTTPSink(bad); err == nil {
			t.Errorf("NewHTTPSink(%q) accepted", bad)
		}
	}
}

// memSink keeps the events sent to it.
type memSink struct{ evs []Event }

func (m *memSink) Send(_ context.Context, ev Event) error { m.evs = append(m.evs, ev); return nil }
func (m *memSink) Flush(context.Context) error            { return nil }

// TestRunMakesCallsAndSurvivesFailures: Run makes every generated call through the
// CallSink (the server receives exactly them, in order); against a server answering 404
// (no svc-notifications) every call fails, is counted, and the run still sends every event.
func TestRunMakesCallsAndSurvivesFailures(t *testing.T) {
	t.Parallel()
	const rate, events = 2000.0, 2000
	want := generate(t, "run-calls", events)
	g, err := NewGenerator("run-calls", topo(t))
	if err != nil {
		t.Fatal(err)
	}
	calls := g.Setup() // made first, before any event
	for _, ev := range want {
		calls = append(calls, ev.Before...)
		calls = append(calls, ev.After...)
	}
	for _, status := range []int{http.StatusCreated, http.StatusNotFound} {
		srv, got := recorder(t, status)
		sink, err := NewHTTPSink(srv.URL + "/svc-notifications")
		if err != nil {
			t.Fatal(err)
		}
		evs := &memSink{}
		var log bytes.Buffer
		st, err := Run(t.Context(), Config{Rate: rate, Duration: time.Second, Seed: "run-calls", Sink: evs, Calls: sink,
			Logger: slog.New(slog.NewTextHandler(&log, nil))})
		if err != nil {
			t.Fatalf("status %d: %v", status, err)
		}
		if st.Events != events || len(evs.evs) != events {
			t.Fatalf("status %d: sent %d events (sink got %d), want %d", status, st.Events, len(evs.evs), events)
		}
		// What the server should see: every call, Copies times, its saved ids filled in; the
		// If-Match reads (GET) are left out. Against 404 nothing is saved, so the calls that
		// name a saved id fail before they are sent.
		var sent []Call
		for _, c := range calls {
			if status == http.StatusNotFound && strings.Contains(c.Path, "{$") {
				continue
			}
			c.Path = savedName.ReplaceAllString(c.Path, "ID")
			if c.Upload != nil { // the photo goes to the form first
				sent = append(sent, Call{Method: http.MethodPost, Path: s3Upload})
			}
			for range max(c.Copies, 1) {
				sent = append(sent, c)
			}
		}
		// GETs (the location reads, whose query holds Run's clock, and the If-Match reads)
		// are checked elsewhere (TestLocationCalls, TestHTTPSinkWorkflowCalls).
		var g []received
		for _, r := range got() {
			if r.Method != http.MethodGet {
				g = append(g, r)
			}
		}
		sent = slices.DeleteFunc(sent, func(c Call) bool { return c.Method == http.MethodGet })
		if len(g) != len(sent) {
			t.Fatalf("status %d: server received %d calls, want %d", status, len(g), len(sent))
		}
		for i, c := range sent {
			if c.Path == s3Upload {
				if g[i].Path != s3Upload || !strings.HasPrefix(g[i].ContentType, "multipart/form-data") ||
					!strings.Contains(g[i].Body, `name="key"`) || !strings.Contains(g[i].Body, "\xff\xd8\xff") {
					t.Fatalf("status %d: call %d: received %s %s (%s); want a JPEG posted to the upload form", status, i, g[i].Method, g[i].Path, g[i].ContentType)
				}
				continue
			}
			auth := "Bearer dev-" + c.Caller
			if c.Token != "" {
				auth = "Bearer " + c.Token
			}
			if g[i].Path != "/svc-notifications"+c.Path || g[i].Auth != auth || g[i].Body != string(c.Body) {
				t.Fatalf("status %d: call %d: received %+v, want %s %s by %s", status, i, g[i], c.Method, c.Path, c.Caller)
			}
		}
		ok, failed := len(calls), 0
		if status == http.StatusNotFound {
			ok, failed = 0, len(calls)
		}
		if st.Calls != ok || st.CallErrors != failed {
			t.Errorf("status %d: stats %d calls ok, %d failed; want %d, %d", status, st.Calls, st.CallErrors, ok, failed)
		}
		// The closing log line counts the calls made as the command's summary does.
		if want := fmt.Sprintf("calls=%d calls_failed=%d", len(calls), failed); !strings.Contains(log.String(), want) {
			t.Errorf("status %d: log lacks %q:\n%s", status, want, log.String())
		}
	}
}

// TestHTTPSinkRetriesWhatIsSafeToRepeat: a call safe to repeat (an idempotent method, or a
// write with an Idempotency-Key) that meets a 503 is sent again until it goes through; a
// POST without a key is sent once, as its first attempt may have taken effect; a 4xx is
// the call's own fault and never retried.
func TestHTTPSinkRetriesWhatIsSafeToRepeat(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls[r.Method+" "+r.URL.Path]++
		n := calls[r.Method+" "+r.URL.Path]
		mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/bad"):
			w.WriteHeader(http.StatusUnprocessableEntity)
		case n < 3:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	sink, err := NewHTTPSink(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c     Call
		ok    bool
		sends int
	}{
		{Call{Method: http.MethodPut, Path: "/v1/locations/a", Caller: "locations-ops"}, true, 3},
		{Call{Method: http.MethodPost, Path: "/v1/deposits", Caller: "svc-reservations", IdempotencyKey: "k1"}, true, 3},
		{Call{Method: http.MethodPost, Path: "/v1/reviews", Caller: "guest"}, false, 1},
		{Call{Method: http.MethodPut, Path: "/v1/locations/bad", Caller: "locations-ops"}, false, 1},
	} {
		err := sink.Call(t.Context(), tc.c)
		if (err == nil) != tc.ok {
			t.Errorf("%s %s: err = %v; want ok %v", tc.c.Method, tc.c.Path, err, tc.ok)
		}
		mu.Lock()
		n := calls[tc.c.Method+" "+tc.c.Path]
		mu.Unlock()
		if n != tc.sends {
			t.Errorf("%s %s sent %d times; want %d", tc.c.Method, tc.c.Path, n, tc.sends)
		}
	}
}

// setupFlaky fails the setup's first call twice without an answer and refuses its second
// with a 400; it counts every call by path and notes whether an event came before.
type setupFlaky struct {
	mu             sync.Mutex
	first, refused string
	calls          map[string]int
}

func (s *setupFlaky) Call(_ context.Context, c Call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[c.Path]++
	switch {
	case c.Path == s.first && s.calls[c.Path] <= 2:
		return errors.New("no answer: timeout")
	case c.Path == s.refused:
		return &refusal{status: http.StatusBadRequest, text: "400 Bad Request"}
	}
	return nil
}

// TestRunRetriesTheSetupUntilItIsDone: a setup call that met no answer is made again
// before any event (every later check-in names its location), while one the service
// refused is not repeated.
func TestRunRetriesTheSetupUntilItIsDone(t *testing.T) {
	t.Parallel()
	g, err := NewGenerator("setup-retry", topo(t))
	if err != nil {
		t.Fatal(err)
	}
	setup := g.Setup()
	if len(setup) < 2 {
		t.Fatalf("the setup has %d calls; the test needs two", len(setup))
	}
	calls := &setupFlaky{first: setup[0].Path, refused: setup[1].Path, calls: map[string]int{}}
	evs := &memSink{}
	st, err := Run(t.Context(), Config{Rate: 1000, Duration: 10 * time.Millisecond, Seed: "setup-retry", Sink: evs, Calls: calls,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if n := calls.calls[setup[0].Path]; n != 3 {
		t.Errorf("the setup call without an answer was made %d times, want 3 (two failures, then done)", n)
	}
	if n := calls.calls[setup[1].Path]; n != 1 {
		t.Errorf("the refused setup call was made %d times, want once", n)
	}
	if st.CallErrors < 3 {
		t.Errorf("%d failed calls counted, want the 2 unanswered and the refused one at least", st.CallErrors)
	}
}
