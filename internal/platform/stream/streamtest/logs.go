package streamtest

import (
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/testkit/logtest"
)

// Logs is a logger whose output a test can read back, to prove that an operator is told
// about something (an outage, an unverifiable duplicate, a refused offset), not only that a
// metric moved. Everything it writes also goes to the test's output.
type Logs struct {
	t   testing.TB
	buf logtest.Buffer
}

// CaptureLogs returns a Logs and a text logger at level writing to it.
func CaptureLogs(t testing.TB, level slog.Level) (*Logs, *slog.Logger) {
	l := &Logs{t: t}
	return l, slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: level}))
}

func (l *Logs) Write(p []byte) (int, error) {
	_, _ = l.t.Output().Write(p)
	return l.buf.Write(p)
}

// Lines returns the lines written so far that contain every one of parts.
func (l *Logs) Lines(parts ...string) []string {
	var out []string
	for line := range strings.Lines(l.buf.String()) {
		if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(line, p) }) {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}
