package sendgrid_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
)

// receiver is our side of the Event Webhook: it verifies each post and keeps the updates.
type receiver struct {
	v       *sendgrid.Verifier
	mu      sync.Mutex
	updates []provider.StatusUpdate
	errs    []error
	changed chan struct{}
}

func newReceiver(t *testing.T, publicKey string) (*receiver, *httptest.Server) {
	t.Helper()
	v, err := sendgrid.NewVerifier(sendgrid.VerifierConfig{PublicKey: publicKey, Tolerance: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{v: v, changed: make(chan struct{}, 100)}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	events, err := rc.v.Verify(r)
	rc.mu.Lock()
	defer func() { rc.mu.Unlock(); rc.changed <- struct{}{} }()
	switch {
	case errors.Is(err, provider.ErrInvalidSignature):
		rc.errs = append(rc.errs, err)
		w.WriteHeader(http.StatusForbidden)
	case err != nil:
		rc.errs = append(rc.errs, err)
		w.WriteHeader(http.StatusBadRequest)
	default:
		rc.updates = append(rc.updates, sendgrid.Updates(events)...)
	}
}

func (rc *receiver) waitUpdates(t *testing.T, n int) []provider.StatusUpdate {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		rc.mu.Lock()
		got := append([]provider.StatusUpdate(nil), rc.updates...)
		rc.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-rc.changed:
		case <-ctx.Done():
			t.Fatalf("got %d updates, want %d", len(got), n)
		}
	}
}

func TestEventsFromFakeVerifyAndMatchTheSend(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.SendGridConfig{}, nil)
	rc, hook := newReceiver(t, e.fake.PublicKey())
	e.fake.SetEventWebhook(hook.URL)

	res, err := e.client.Send(context.Background(), msg("m-ev", "ada@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fake.EmitEvents(context.Background(), res.ID, "processed", "deferred", "delivered", "open", "click"); err != nil {
		t.Fatal(err)
	}
	ups := rc.waitUpdates(t, 4) // click says nothing about delivery
	want := []provider.Status{provider.StatusQueued, provider.StatusDeferred, provider.StatusDelivered, provider.StatusOpened}
	if len(ups) != len(want) {
		t.Fatalf("updates %+v", ups)
	}
	for i, u := range ups {
		if u.Status != want[i] || u.ProviderMessageID != res.ID || u.Ref != "m-ev" || u.Provider != "sendgrid" ||
			u.EventID == "" || u.At.IsZero() {
			t.Errorf("update %d = %+v", i, u)
		}
	}
	if ups[1].Reason == "" {
		t.Error("deferred without a reason")
	}
}

func TestAutoEventsReportBounces(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.SendGridConfig{AutoEvents: true}, nil)
	rc, hook := newReceiver(t, e.fake.PublicKey())
	e.fake.SetEventWebhook(hook.URL)
	e.fake.Undeliverable("nobody@example.com")

	ok, err := e.client.Send(context.Background(), msg("m-ok", "ada@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	bad, err := e.client.Send(context.Background(), msg("m-bad", "nobody@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	final := map[string]provider.StatusUpdate{}
	for _, u := range rc.waitUpdates(t, 4) {
		if u.Status.Final() {
			final[u.ProviderMessageID] = u
		}
	}
	if final[ok.ID].Status != provider.StatusDelivered || final[ok.ID].Ref != "m-ok" {
		t.Errorf("good message: %+v", final[ok.ID])
	}
	if b := final[bad.ID]; b.Status != provider.StatusBounced || b.Ref != "m-bad" || b.Reason == "" {
		t.Errorf("bounced message: %+v", b)
	}
	e.fake.DrainCallbacks()
	if st := e.fake.CallbackStats(); st.Failed != 0 || st.Sent != 2 {
		t.Fatalf("event posts failed: %+v", st)
	}
}

func TestVerifyRejectsTamperedAndForged(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.SendGridConfig{}, nil)
	res, err := e.client.Send(context.Background(), msg("m-t", "ada@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := e.fake.SendGridEvent(res.ID, "delivered")
	if err != nil {
		t.Fatal(err)
	}
	v, err := sendgrid.NewVerifier(sendgrid.VerifierConfig{PublicKey: e.fake.PublicKey(), Tolerance: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	signed := func(t *testing.T) (*http.Request, []byte) {
		t.Helper()
		req, err := e.fake.SignedEventRequest(context.Background(), "http://hook.example/events", []map[string]any{ev})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		return req, body
	}

	// The untouched request verifies.
	req, _ := signed(t)
	if events, err := v.Verify(req); err != nil || len(events) != 1 || events[0].Event != "delivered" {
		t.Fatalf("genuine post refused: %v %+v", err, events)
	}

	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherDER, _ := x509.MarshalPKIXPublicKey(&other.PublicKey)
	otherV, err := sendgrid.NewVerifier(sendgrid.VerifierConfig{PublicKey: base64.StdEncoding.EncodeToString(otherDER)})
	if err != nil {
		t.Fatal(err)
	}

	cases := map[string]func(r *http.Request, body []byte) (*sendgrid.Verifier, *http.Request){
		"payload changed": func(r *http.Request, body []byte) (*sendgrid.Verifier, *http.Request) {
			tampered := bytes.Replace(body, []byte(`"delivered"`), []byte(`"bounce"`), 1)
			r.Body = io.NopCloser(bytes.NewReader(tampered))
			return v, r
		},
		"timestamp changed": func(r *http.Request, body []byte) (*sendgrid.Verifier, *http.Request) {
			ts, _ := strconv.ParseInt(r.Header.Get(sendgrid.TimestampHeader), 10, 64)
			r.Header.Set(sendgrid.TimestampHeader, strconv.FormatInt(ts+1, 10))
			return v, r
		},
		"signature missing": func(r *http.Request, body []byte) (*sendgrid.Verifier, *http.Request) {
			r.Header.Del(sendgrid.SignatureHeader)
			return v, r
		},
		"timestamp missing": func(r *http.Request, body []byte) (*sendgrid.Verifier, *http.Request) {
			r.Header.Del(sendgrid.TimestampHeader)
			return v, r
		},
		"signature not base64": func(r *http.Request, body []byte) (*sendgrid.Verifier, *http.Request) {
			r.Header.Set(sendgrid.SignatureHeader, "%%%")
			return v, r
		},
		"signed by another key": func(r *http.Request, body []byte) (*sendgrid.Verifier, *http.Request) {
			return otherV, r
		},
		"stale timestamp": func(r *http.Request, body []byte) (*sendgrid.Verifier, *http.Request) {
			stale, _ := sendgrid.NewVerifier(sendgrid.VerifierConfig{
				PublicKey: e.fake.PublicKey(), Tolerance: time.Minute,
				Now: func() time.Time { return time.Now().Add(time.Hour) },
			})
			return stale, r
		},
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			req, body := signed(t)
			ver, req := tamper(req, body)
			_, err := ver.Verify(req)
			if !errors.Is(err, provider.ErrInvalidSignature) {
				t.Fatalf("err = %v, want ErrInvalidSignature", err)
			}
		})
	}
}

func TestVerifySignedButMalformed(t *testing.T) {
	t.Parallel()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	v, err := sendgrid.NewVerifier(sendgrid.VerifierConfig{PublicKey: base64.StdEncoding.EncodeToString(der)})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"not":"an array"}`)
	ts := "1700000000"
	sig := signWith(t, key, ts, body)
	if err := v.VerifyPayload(body, sig, ts); err != nil {
		t.Fatalf("signature refused: %v", err)
	}
	req := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(body))
	req.Header.Set(sendgrid.SignatureHeader, sig)
	req.Header.Set(sendgrid.TimestampHeader, ts)
	if _, err := v.Verify(req); !errors.Is(err, provider.ErrMalformedWebhook) {
		t.Fatalf("err = %v, want ErrMalformedWebhook", err)
	}
}

func TestVerifierRefusesWrongKeys(t *testing.T) {
	t.Parallel()
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	for name, key := range map[string]string{
		"empty":      "",
		"not base64": "***",
		"not DER":    base64.StdEncoding.EncodeToString([]byte("hello")),
		"P-384":      base64.StdEncoding.EncodeToString(der),
	} {
		if _, err := sendgrid.NewVerifier(sendgrid.VerifierConfig{PublicKey: key}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestVerifyBodyLimit(t *testing.T) {
	t.Parallel()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	v, _ := sendgrid.NewVerifier(sendgrid.VerifierConfig{PublicKey: base64.StdEncoding.EncodeToString(der), MaxBody: 16})
	req := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(make([]byte, 17)))
	if _, err := v.Verify(req); !errors.Is(err, provider.ErrMalformedWebhook) {
		t.Fatalf("err = %v, want ErrMalformedWebhook", err)
	}
}
