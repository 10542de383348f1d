package streamtest

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// Logs is a logger whose output a test can read back, to prove that an operator is told
// about something (an outage, an unverifiable duplicate), not only that a metric moved.
// Everything it writes also goes to the test's output.
type Logs struct {
	t   testing.TB
	mu  sync.Mutex
	buf bytes.Buffer
}

// CaptureLogs returns a Logs and a text logger at level writing to it.
func CaptureLogs(t testing.TB, level slog.Level) (*Logs, *slog.Logger) {
	l := &Logs{t: t}
	return l, slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: level}))
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.t.Output().Write(p)
	return l.buf.Write(p)
}

// Lines returns the lines written so far that contain substr.
func (l *Logs) Lines(substr string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for line := range strings.Lines(l.buf.String()) {
		if strings.Contains(line, substr) {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}
