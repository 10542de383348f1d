package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

var testSecret = NewSecret("SG.very-secret-api-key")

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	cfg := struct {
		Name string
		Key  Secret
	}{"sendgrid", testSecret}
	hidden := struct {
		name string
		key  Secret // unexported: fmt prints it by reflection, without Format
	}{"sendgrid", testSecret}

	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10.3s"} {
		outs = append(outs, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, testSecret), fmt.Sprintf(verb, hidden), fmt.Sprintf(verb, &hidden))
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(js))

	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("config", "key", testSecret, "cfg", cfg)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "key", testSecret)
	outs = append(outs, logs.String())

	for _, out := range outs {
		if strings.Contains(out, testSecret.Reveal()) || strings.Contains(out, fmt.Sprintf("%x", testSecret.Reveal())) {
			t.Errorf("secret leaked: %s", out)
		}
	}
	if !strings.Contains(string(js), redacted) {
		t.Errorf("json %s does not say %s", js, redacted)
	}
	if testSecret.Reveal() != "SG.very-secret-api-key" {
		t.Error("Reveal does not return the value")
	}
	var loaded Secret
	if err := json.Unmarshal([]byte(`"abc"`), &loaded); err != nil || loaded.Reveal() != "abc" {
		t.Errorf("UnmarshalText: %v %q", err, loaded.Reveal())
	}
	if !(Secret{}).IsZero() || !NewSecret("").IsZero() || testSecret.IsZero() {
		t.Error("IsZero wrong")
	}
}

func TestRedactError(t *testing.T) {
	t.Parallel()
	inner := fmt.Errorf("dial with key %s: %w", testSecret.Reveal(), context.DeadlineExceeded)
	err := RedactError(inner, testSecret, NewSecret("ab")) // "ab" is too short to scrub
	if strings.Contains(err.Error(), testSecret.Reveal()) {
		t.Fatalf("error text leaks the secret: %v", err)
	}
	if !strings.Contains(err.Error(), redacted) {
		t.Fatalf("error text %q lacks %s", err, redacted)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("redaction hid context.DeadlineExceeded from errors.Is")
	}
	if errors.Unwrap(err) != nil {
		t.Fatal("redacted error unwraps to the unredacted one")
	}
	clean := errors.New("nothing secret")
	if RedactError(clean, testSecret) != clean {
		t.Fatal("an error without secrets should come back unchanged")
	}
	if RedactError(nil, testSecret) != nil {
		t.Fatal("RedactError(nil) != nil")
	}
	if got := Redact("ab cd ab", NewSecret("ab")); got != "ab cd ab" {
		t.Fatalf("short secret scrubbed: %q", got)
	}
}
