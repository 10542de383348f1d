package contact

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrInvalid marks input that can never be stored (a malformed recipient, email, phone,
// locale, time zone, token or platform); the API answers it with 400/422.
var ErrInvalid = errors.New("invalid contact")

// Types are the RecipientType symbols a person can have (UNKNOWN is not one).
var Types = []string{"GUEST", "GUIDE", "STAFF", "PARK_RANGER", "RESCUE_TEAM", "PARTNER"}

// maxIDLength bounds a recipient id.
const maxIDLength = 128

// Recipient is a person: a RecipientType symbol and an id of that type.
type Recipient struct {
	Type, ID string
}

func (r Recipient) String() string { return r.Type + ":" + r.ID }

// ParseRecipient reads "<TYPE>:<id>", e.g. "GUIDE:gd-17".
func ParseRecipient(s string) (Recipient, error) {
	typ, id, ok := strings.Cut(s, ":")
	switch {
	case !ok:
		return Recipient{}, fmt.Errorf("%w: recipient %q is not <TYPE>:<id> (e.g. GUIDE:gd-17)", ErrInvalid, s)
	case !slices.Contains(Types, typ):
		return Recipient{}, fmt.Errorf("%w: recipient type %q is not one of %s", ErrInvalid, typ, strings.Join(Types, ", "))
	case id == "" || len(id) > maxIDLength || strings.TrimSpace(id) != id || strings.ContainsFunc(id, isControl):
		return Recipient{}, fmt.Errorf("%w: recipient id %q must be 1 to %d characters without surrounding spaces or control characters", ErrInvalid, id, maxIDLength)
	}
	return Recipient{Type: typ, ID: id}, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
