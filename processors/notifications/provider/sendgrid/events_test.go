package sendgrid_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
)

func signWith(t testing.TB, key *ecdsa.PrivateKey, ts string, body []byte) string {
	t.Helper()
	sum := sha256.Sum256(append([]byte(ts), body...))
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func TestParseEventsDocumentedShapes(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile(filepath.Join("testdata", "events.json"))
	if err != nil {
		t.Fatal(err)
	}
	events, err := sendgrid.ParseEvents(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 7 {
		t.Fatalf("%d events", len(events))
	}
	b := events[2]
	if b.Event != "bounce" || b.Type != "bounce" || b.Status != "5.0.0" || b.Ref != "ref-1" ||
		b.CustomArgs["notification_id"] != "n-1" || b.Timestamp != time.Unix(1513299569, 0).UTC() {
		t.Fatalf("bounce %+v", b)
	}
	if b.XMessageID() != "14c5d75ce93.dfd.64b469" {
		t.Fatalf("old-format X-Message-Id = %q", b.XMessageID())
	}
	if got := events[1].XMessageID(); got != "W5Nk7JvXRx2nRr3tM_bYZg" {
		t.Fatalf("new-format X-Message-Id = %q", got)
	}
	if _, ok := events[5].Update(); ok {
		t.Fatal("click should not be a status update")
	}
	ups := sendgrid.Updates(events)
	want := []provider.Status{provider.StatusQueued, provider.StatusDelivered, provider.StatusBounced,
		provider.StatusDropped, provider.StatusDeferred, provider.StatusOpened}
	if len(ups) != len(want) {
		t.Fatalf("updates %+v", ups)
	}
	for i, u := range ups {
		if u.Status != want[i] {
			t.Errorf("update %d: %s, want %s", i, u.Status, want[i])
		}
	}
	if ups[2].Reason == "" || ups[3].Reason != "Bounced Address" {
		t.Errorf("reasons: %q %q", ups[2].Reason, ups[3].Reason)
	}
}

func TestParseEventsRefusesNonEvents(t *testing.T) {
	t.Parallel()
	for _, body := range []string{``, `null`, `{}`, `[1]`, `[{"email":"a@b"}]`, `[{"event":3}]`, `[{"event":"delivered","sg_message_id":{}}]`} {
		if _, err := sendgrid.ParseEvents([]byte(body)); !errors.Is(err, provider.ErrMalformedWebhook) {
			t.Errorf("%q: err = %v", body, err)
		}
	}
	events, err := sendgrid.ParseEvents([]byte(`[]`))
	if err != nil || len(events) != 0 {
		t.Fatalf("empty batch: %v %v", events, err)
	}
}

// FuzzParseEvents: any body parses or fails with ErrMalformedWebhook; never panics, and
// every parsed event has a type.
func FuzzParseEvents(f *testing.F) {
	if body, err := os.ReadFile(filepath.Join("testdata", "events.json")); err == nil {
		f.Add(body)
	}
	f.Add([]byte(`[{"event":"delivered","timestamp":1.5e9,"sg_message_id":"a.b","x":"y"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := sendgrid.ParseEvents(body)
		if err != nil {
			if !errors.Is(err, provider.ErrMalformedWebhook) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		for _, e := range events {
			if e.Event == "" {
				t.Fatalf("event without type: %+v", e)
			}
			if u, ok := e.Update(); ok && u.Status == "" {
				t.Fatalf("update without status: %+v", u)
			}
			_ = e.XMessageID()
		}
	})
}

// FuzzVerifyPayload: no input panics the verifier, and nothing but a real signature
// verifies (a fuzzer cannot forge ECDSA).
func FuzzVerifyPayload(f *testing.F) {
	f.Add([]byte(`[{"event":"delivered"}]`), "MEUCIQ==", "1700000000")
	f.Add([]byte(``), "", "")
	f.Add([]byte(`[]`), "MAYCAQECAQE=", "0") // r = s = 1
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		f.Fatal(err)
	}
	v, err := sendgrid.NewVerifier(sendgrid.VerifierConfig{PublicKey: base64.StdEncoding.EncodeToString(der)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, payload []byte, sig, ts string) {
		if err := v.VerifyPayload(payload, sig, ts); !errors.Is(err, provider.ErrInvalidSignature) {
			t.Fatalf("VerifyPayload(%q, %q, %q) = %v", payload, sig, ts, err)
		}
	})
}
