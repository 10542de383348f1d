package twilio_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/twilio"
)

// Twilio's documented request-validation example (the vector its own SDKs test against).
func TestSignatureMatchesTwilioVector(t *testing.T) {
	t.Parallel()
	params := url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"},
		"From": {"+14158675309"}, "To": {"+18005551212"},
	}
	got := twilio.Signature(provider.NewSecret("12345"), "https://mycompany.com/myapp.php?foo=1&bar=2", params)
	if got != "RSOYDt4T1cUTdK1PDd93/VVr8B8=" {
		t.Fatalf("signature %s", got)
	}
}

type receiver struct {
	v       *twilio.CallbackVerifier
	mu      sync.Mutex
	got     []provider.StatusUpdate
	errs    []error
	changed chan struct{}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cb, err := rc.v.Verify(r)
	rc.mu.Lock()
	defer func() { rc.mu.Unlock(); rc.changed <- struct{}{} }()
	if err != nil {
		rc.errs = append(rc.errs, err)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if u, ok := cb.Update(); ok {
		rc.got = append(rc.got, u)
	}
}

func (rc *receiver) wait(t *testing.T, n int) []provider.StatusUpdate {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		rc.mu.Lock()
		got := append([]provider.StatusUpdate(nil), rc.got...)
		rc.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-rc.changed:
		case <-ctx.Done():
			t.Fatalf("%d updates, want %d", len(got), n)
		}
	}
}

// setupCallbacks wires client → fake → our callback endpoint, which verifies with the
// fake's auth token.
func setupCallbacks(t *testing.T, fcfg providerfake.TwilioConfig) (env, *receiver) {
	t.Helper()
	rc := &receiver{changed: make(chan struct{}, 100)}
	mux := http.NewServeMux()
	// Mounted under a prefix the router strips: the verifier must use the URL as called.
	mux.Handle("/hooks/", http.StripPrefix("/hooks", rc))
	hook := httptest.NewServer(mux)
	t.Cleanup(hook.Close)
	e := setup(t, fcfg, func(c *twilio.Config) { c.StatusCallback = hook.URL + "/hooks/twilio/status?tenant=a%20b" })
	v, err := twilio.NewCallbackVerifier(twilio.CallbackVerifierConfig{AuthToken: provider.NewSecret(e.fake.AuthToken())})
	if err != nil {
		t.Fatal(err)
	}
	rc.v = v
	return e, rc
}

func TestCallbacksFromFakeVerify(t *testing.T) {
	t.Parallel()
	e, rc := setupCallbacks(t, providerfake.TwilioConfig{})
	res, err := e.client.Send(context.Background(), sms("m-cb", "+14155550100"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, st := range []string{"sent", "delivered"} {
		if err := e.fake.EmitCallback(ctx, res.ID, st, ""); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	if err := e.fake.EmitCallback(ctx, res.ID, "undelivered", "30003"); err != nil {
		t.Fatal(err)
	}
	ups := rc.wait(t, 3)
	want := []provider.Status{provider.StatusSent, provider.StatusDelivered, provider.StatusFailed}
	for i, u := range ups {
		if u.Status != want[i] || u.ProviderMessageID != res.ID || u.Ref != "m-cb" || u.EventID == "" {
			t.Errorf("update %d = %+v", i, u)
		}
	}
	if ups[2].Reason != "error 30003" || ups[2].ProviderStatus != "undelivered" {
		t.Errorf("failure reason %+v", ups[2])
	}
}

func TestAutoCallbacksReportUndelivered(t *testing.T) {
	t.Parallel()
	e, rc := setupCallbacks(t, providerfake.TwilioConfig{AutoCallbacks: true})
	e.fake.Undeliverable("+14155550177")
	ok, err := e.client.Send(context.Background(), sms("m-ok", "+14155550100"))
	if err != nil {
		t.Fatal(err)
	}
	bad, err := e.client.Send(context.Background(), sms("m-bad", "+14155550177"))
	if err != nil {
		t.Fatal(err)
	}
	final := map[string]provider.StatusUpdate{}
	for _, u := range rc.wait(t, 4) {
		if u.Status.Final() {
			final[u.Ref] = u
		}
	}
	if final["m-ok"].Status != provider.StatusDelivered || final["m-ok"].ProviderMessageID != ok.ID {
		t.Errorf("good: %+v", final["m-ok"])
	}
	if final["m-bad"].Status != provider.StatusFailed || final["m-bad"].ProviderMessageID != bad.ID {
		t.Errorf("bad: %+v", final["m-bad"])
	}
	e.fake.DrainCallbacks() // the counts are final once the background posts are done
	if st := e.fake.CallbackStats(); st.Failed != 0 || st.Sent != 4 {
		t.Fatalf("callback stats %+v", st)
	}
}

func TestVerifyRejectsTamperedAndForged(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.TwilioConfig{}, func(c *twilio.Config) { c.StatusCallback = "https://hooks.novatrek.example/twilio" })
	res, err := e.client.Send(context.Background(), sms("m-t", "+14155550100"))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := e.fake.SMS(res.ID)
	form, err := e.fake.TwilioCallbackForm(res.ID, "delivered", "")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := twilio.NewCallbackVerifier(twilio.CallbackVerifierConfig{
		AuthToken: provider.NewSecret(e.fake.AuthToken()), PublicURL: "https://hooks.novatrek.example",
	})
	// server builds the request as our server sees it: the target as sent, the Host header.
	server := func(t *testing.T, f url.Values, target string) *http.Request {
		t.Helper()
		signed, err := e.fake.SignedCallbackRequest(context.Background(), m.StatusCallback, form)
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(f.Encode()))
		r.Header = signed.Header.Clone()
		return r
	}
	target := "/twilio?" + twilio.RefParam + "=m-t"

	if cb, err := v.Verify(server(t, form, target)); err != nil || cb.MessageStatus != "delivered" || cb.Ref != "m-t" {
		t.Fatalf("genuine callback refused: %v %+v", err, cb)
	}
	// Twilio's validators accept the URL with the default port added or dropped.
	withPort, _ := twilio.NewCallbackVerifier(twilio.CallbackVerifierConfig{
		AuthToken: provider.NewSecret(e.fake.AuthToken()), PublicURL: "https://hooks.novatrek.example:443",
	})
	if _, err := withPort.Verify(server(t, form, target)); err != nil {
		t.Fatalf("default port variant refused: %v", err)
	}

	changed := url.Values{}
	for k, vs := range form {
		changed[k] = append([]string(nil), vs...)
	}
	changed.Set("MessageStatus", "failed")
	added := url.Values{}
	for k, vs := range form {
		added[k] = vs
	}
	added.Set("ErrorCode", "30003")

	cases := map[string]*http.Request{
		"status changed": server(t, changed, target),
		"param added":    server(t, added, target),
		"ref changed":    server(t, form, "/twilio?"+twilio.RefParam+"=other"),
		"path changed":   server(t, form, "/other?"+twilio.RefParam+"=m-t"),
	}
	noSig := server(t, form, target)
	noSig.Header.Del(twilio.SignatureHeader)
	cases["signature missing"] = noSig
	badSig := server(t, form, target)
	badSig.Header.Set(twilio.SignatureHeader, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
	cases["signature of something else"] = badSig
	for name, r := range cases {
		if _, err := v.Verify(r); !errors.Is(err, provider.ErrInvalidSignature) {
			t.Errorf("%s: err = %v, want ErrInvalidSignature", name, err)
		}
	}
	otherToken, _ := twilio.NewCallbackVerifier(twilio.CallbackVerifierConfig{
		AuthToken: provider.NewSecret("another-token"), PublicURL: "https://hooks.novatrek.example",
	})
	if _, err := otherToken.Verify(server(t, form, target)); !errors.Is(err, provider.ErrInvalidSignature) {
		t.Errorf("other token: err = %v", err)
	}
	get := server(t, form, target)
	get.Method = http.MethodGet
	if _, err := v.Verify(get); !errors.Is(err, provider.ErrMalformedWebhook) {
		t.Errorf("GET: err = %v", err)
	}
}

func TestVerifySignedButMalformed(t *testing.T) {
	t.Parallel()
	token := provider.NewSecret("tok-123456")
	v, _ := twilio.NewCallbackVerifier(twilio.CallbackVerifierConfig{AuthToken: token})
	form := url.Values{"MessageStatus": {"delivered"}} // no MessageSid
	r := httptest.NewRequest(http.MethodPost, "http://example.com/cb", strings.NewReader(form.Encode()))
	r.Header.Set(twilio.SignatureHeader, twilio.Signature(token, "http://example.com/cb", form))
	if _, err := v.Verify(r); !errors.Is(err, provider.ErrMalformedWebhook) {
		t.Fatalf("err = %v, want ErrMalformedWebhook", err)
	}
}

func TestParseStatusCallback(t *testing.T) {
	t.Parallel()
	cases := []struct {
		form   url.Values
		status provider.Status
		ok     bool
	}{
		{url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"queued"}}, provider.StatusQueued, true},
		{url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"sending"}}, provider.StatusSent, true},
		{url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"read"}}, provider.StatusOpened, true},
		{url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"failed"}, "ErrorCode": {"30008"}}, provider.StatusFailed, true},
		{url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"canceled"}}, provider.StatusDropped, true},
		{url.Values{"SmsSid": {"SM1"}, "SmsStatus": {"delivered"}}, provider.StatusDelivered, true}, // legacy names
		{url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"received"}}, "", false},
	}
	for _, c := range cases {
		cb, err := twilio.ParseStatusCallback(c.form, nil)
		if err != nil {
			t.Fatalf("%v: %v", c.form, err)
		}
		u, ok := cb.Update()
		if ok != c.ok || u.Status != c.status {
			t.Errorf("%v: %+v %v", c.form, u, ok)
		}
	}
	if _, err := twilio.ParseStatusCallback(url.Values{"MessageSid": {"SM1"}}, nil); !errors.Is(err, provider.ErrMalformedWebhook) {
		t.Fatalf("missing status: %v", err)
	}
}

// FuzzParseStatusCallback: any body and query parse or fail with ErrMalformedWebhook;
// never panic; a parsed callback has a sid and a status.
func FuzzParseStatusCallback(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "callback.form")); err == nil {
		f.Add(string(b), "novatrek_message_id=m-1")
	}
	f.Fuzz(func(t *testing.T, body, query string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		q, _ := url.ParseQuery(query)
		cb, err := twilio.ParseStatusCallback(form, q)
		if err != nil {
			if !errors.Is(err, provider.ErrMalformedWebhook) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if cb.MessageSID == "" || cb.MessageStatus == "" {
			t.Fatalf("parsed without sid or status: %+v", cb)
		}
		if u, ok := cb.Update(); ok && (u.Status == "" || u.ProviderMessageID == "") {
			t.Fatalf("update %+v", u)
		}
	})
}

// FuzzVerify: whatever the body, headers and URL, Verify never panics and never accepts
// a signature it did not compute.
func FuzzVerify(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "callback.form")); err == nil {
		f.Add(string(b), "/cb?x=1", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
	}
	v, err := twilio.NewCallbackVerifier(twilio.CallbackVerifierConfig{AuthToken: provider.NewSecret("fuzz-token")})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body, target, sig string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n\t#") {
			return
		}
		if _, err := url.ParseRequestURI(target); err != nil {
			return
		}
		r := httptest.NewRequest(http.MethodPost, "http://example.com"+target, io.NopCloser(strings.NewReader(body)))
		r.Header.Set(twilio.SignatureHeader, sig)
		_, err := v.Verify(r)
		if err == nil {
			t.Fatalf("accepted a forged signature %q", sig)
		}
	})
}
