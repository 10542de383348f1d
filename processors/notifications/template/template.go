package template

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/processors/notifications/provider"
)

// DB is what Publish and Rollback need: a store.DB that can begin the transaction their
// advisory lock is scoped to (a pool; on a pgx.Tx, Begin opens a savepoint, so they join
// a caller's transaction). Reads take any store.DB.
type DB interface {
	store.DB
	Begin(ctx context.Context) (pgx.Tx, error)
}

// ErrNotFound is returned when no such template, version or current version exists.
var ErrNotFound = errors.New("template: not found")

// ErrInvalid is wrapped by every error Publish returns for a draft it refuses (a bad key,
// an empty body, a parse failure, a *VariableError, sample data that does not render), so
// callers tell the caller's mistake from a store failure with errors.Is. The error text
// stays the validation error's own.
var ErrInvalid = errors.New("template: invalid")

// invalidError marks err as ErrInvalid without changing its text; errors.As still finds
// the *VariableError inside.
type invalidError struct{ err error }

func (e *invalidError) Error() string   { return e.err.Error() }
func (e *invalidError) Unwrap() []error { return []error{ErrInvalid, e.err} }

func invalid(err error) error { return &invalidError{err: err} }

// Key identifies a template's line of versions.
type Key struct {
	Name    string
	Channel provider.Channel
	Locale  string
}

func (k Key) String() string { return fmt.Sprintf("%s/%s/%s", k.Name, k.Channel, k.Locale) }

var (
	namePattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,127}$`)
	localePattern = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

func (k Key) validate() error {
	if !namePattern.MatchString(k.Name) {
		return fmt.Errorf("template: invalid name %q (want %s)", k.Name, namePattern)
	}
	switch k.Channel {
	case provider.Email, provider.SMS, provider.Push, provider.InApp:
	default:
		return fmt.Errorf("template: unknown channel %q", k.Channel)
	}
	if !localePattern.MatchString(k.Locale) {
		return fmt.Errorf("template: invalid locale %q (want a BCP 47 tag like en or fr-CA)", k.Locale)
	}
	return nil
}

// Draft is a template version about to be published.
type Draft struct {
	Key
	// Subject is the email subject or the push/in-app title (text/template); optional.
	Subject string
	// Body is the plain-text body (text/template). Required.
	Body string
	// HTML is the email HTML part (html/template, context-aware escaping); email only.
	HTML string
	// Variables are the top-level names the templates may use ({{.guest_name}}). A
	// reference to anything else fails the publish.
	Variables []string
	// SampleData holds a value for every declared variable; Publish renders against it.
	SampleData map[string]any
	// PublishedBy says who published, for the audit trail; optional.
	PublishedBy string
}

// Version is one stored, immutable template version.
type Version struct {
	// ID is the database id a notification records to re-render exactly this version.
	ID int64
	Key
	Version     int
	Subject     string
	Body        string
	HTML        string
	Variables   []string
	SampleData  map[string]any
	PublishedBy string
	PublishedAt time.Time
}

// VariableError says which variables a template or its data got wrong.
type VariableError struct {
	// Missing are declared or referenced variables without a value in the data.
	Missing []string
	// Undeclared are variables the template references but does not declare.
	Undeclared []string
}

func (e *VariableError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing variables: "+strings.Join(e.Missing, ", "))
	}
	if len(e.Undeclared) > 0 {
		parts = append(parts, "undeclared variables: "+strings.Join(e.Undeclared, ", "))
	}
	return "template: " + strings.Join(parts, "; ")
}

// missing returns the names of vars absent from data, sorted.
func missing(vars []string, data map[string]any) []string {
	var out []string
	for _, v := range vars {
		if _, ok := data[v]; !ok {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func marshalSample(d map[string]any) ([]byte, error) {
	if d == nil {
		d = map[string]any{}
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("template: encode sample data: %w", err)
	}
	return b, nil
}
