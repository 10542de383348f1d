package delivery

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill"
)

// TestLibraryLoggerQuietsInfo: at the dev stack's INFO level, Watermill's INFO chatter is
// dropped and its errors are kept.
func TestLibraryLoggerQuietsInfo(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := libraryLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	l.Info("Subscribing to Valkey stream", watermill.LogFields{"topic": "notifications.routine"})
	l.Error("Subscriber closed with error", errors.New("boom"), nil)
	out := buf.String()
	if strings.Contains(out, "Subscribing") || !strings.Contains(out, "boom") {
		t.Fatalf("log at INFO:\n%s\nwant no Watermill INFO line and its error", out)
	}
}
