package provider

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestErrorClasses(t *testing.T) {
	t.Parallel()
	perr := &Error{Provider: "twilio", StatusCode: 400, Code: "21211", Message: "Invalid 'To' Phone Number"}

	perm := fmt.Errorf("send: %w", Permanent(perr))
	if !IsPermanent(perm) {
		t.Fatal("Permanent error not permanent")
	}
	if _, ok := RetryAfter(perm); ok {
		t.Fatal("permanent error is retryable")
	}
	if got, ok := ProviderError(perm); !ok || got != perr {
		t.Fatal("provider error not found through Permanent")
	}
	if want := "permanent: twilio answered 400 21211: Invalid 'To' Phone Number"; perm.Error() != "send: "+want {
		t.Fatalf("text = %q", perm.Error())
	}

	retry := fmt.Errorf("send: %w", &Retryable{After: 3 * time.Second, Err: perr})
	if IsPermanent(retry) {
		t.Fatal("retryable error is permanent")
	}
	if after, ok := RetryAfter(retry); !ok || after != 3*time.Second {
		t.Fatalf("RetryAfter = %v, %v", after, ok)
	}
	if !strings.Contains(retry.Error(), "after 3s") {
		t.Fatalf("text = %q", retry.Error())
	}
	if _, ok := RetryAfter(errors.New("other")); ok {
		t.Fatal("plain error is a Retryable")
	}
}

func TestStatusFinal(t *testing.T) {
	t.Parallel()
	final := map[Status]bool{
		StatusQueued: false, StatusSent: false, StatusDeferred: false,
		StatusDelivered: true, StatusOpened: true, StatusBounced: true, StatusDropped: true, StatusFailed: true,
	}
	for s, want := range final {
		if s.Final() != want {
			t.Errorf("%s.Final() = %v", s, !want)
		}
	}
}

func TestWebhookErrorKinds(t *testing.T) {
	t.Parallel()
	sig := SignatureError("sendgrid", "bad")
	if !errors.Is(sig, ErrInvalidSignature) || errors.Is(sig, ErrMalformedWebhook) {
		t.Fatal("SignatureError kind wrong")
	}
	bad := fmt.Errorf("wrap: %w", MalformedError("twilio", "no sid"))
	if !errors.Is(bad, ErrMalformedWebhook) || errors.Is(bad, ErrInvalidSignature) {
		t.Fatal("MalformedError kind wrong")
	}
	var we *WebhookError
	if !errors.As(bad, &we) || we.Provider != "twilio" {
		t.Fatal("WebhookError not found")
	}
}
