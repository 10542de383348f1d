package config

import "net/url"

// Redact hides the password of a connection URL (postgres://user:xxxxx@host/db) so that it
// can be logged, shown in --help or put in an error. A value that does not parse as a URL is
// not shown at all: it may be a password pasted into the wrong variable.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
