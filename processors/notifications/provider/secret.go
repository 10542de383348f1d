package provider

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// Secret is a credential (API key, auth token, access token). Every way of printing it —
// fmt verbs, slog, JSON — shows "[REDACTED]"; Reveal gives the value to the code that must
// put it on the wire. The value sits behind a pointer, so that even printing a struct that
// holds a Secret in an unexported field (which fmt does by reflection, without calling
// Format) shows an address, not the credential. The zero Secret is empty.
type Secret struct{ v *string }

const redacted = "[REDACTED]"

// NewSecret wraps a credential.
func NewSecret(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{v: &value}
}

// Reveal returns the secret's value.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == nil || *s.v == "" }

// String returns "[REDACTED]".
func (s Secret) String() string { return redacted }

// GoString returns "[REDACTED]", for %#v.
func (s Secret) GoString() string { return redacted }

// Format prints "[REDACTED]" for every verb, so %x or %q cannot leak the value either.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue returns "[REDACTED]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "[REDACTED]", so encoding/json and YAML never write the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// UnmarshalText reads the value, so a Secret can be loaded from configuration.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = NewSecret(string(b))
	return nil
}

// Redact replaces every occurrence of each non-empty secret in s by "[REDACTED]". Secrets
// shorter than 4 bytes are left alone: scrubbing them would mangle ordinary text and they
// are not credentials anyway.
func Redact(s string, secrets ...Secret) string {
	for _, sec := range secrets {
		if v := sec.Reveal(); len(v) >= 4 {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}

// RedactError returns err with its message scrubbed of secrets. errors.Is still sees err's
// chain (context.DeadlineExceeded, ErrPermanent, ...), but the wrapper does not unwrap: code
// that walks the chain and prints an inner error must not find the secret there either.
// Classify errors before redacting them. It returns nil for nil.
func RedactError(err error, secrets ...Secret) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := Redact(msg, secrets...)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Is keeps sentinels visible through the wrapper without exposing the inner text.
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }
