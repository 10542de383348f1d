package delivery

import (
	"log/slog"

	"github.com/ThreeDotsLabs/watermill"
)

// libraryLogger is the logger Watermill and the Valkey Pub/Sub get: their INFO lines (a
// "subscriber started" per worker, router start and stop: about 80 at each start) go to
// DEBUG, so they do not bury the dev stack's banner or a service's own lines, while their
// errors still reach the log. Our own code logs what started through cfg.Logger.
func libraryLogger(l *slog.Logger) watermill.LoggerAdapter {
	return watermill.NewSlogLoggerWithLevelMapping(l, map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})
}
