package media

import (
	"log/slog"
	"strings"
	"sync"

	"github.com/davidbyttow/govips/v2/vips"
)

// startVips starts libvips once per process. Its operation cache is off: every upload is a
// different file, so cached pipelines would only hold memory the render gate is meant to
// bound. Its warnings go to the process's default logger (libvips is global, as the logger
// is); its start-up chatter, below warnings, is dropped.
var startVips = sync.OnceFunc(func() {
	vips.LoggingSettings(func(domain string, _ vips.LogLevel, msg string) {
		slog.Warn("libvips", "domain", domain, "msg", msg)
	}, vips.LogLevelWarning)
	vips.Startup(&vips.Config{ConcurrencyLevel: 0, MaxCacheFiles: 0, MaxCacheMem: 0, MaxCacheSize: 0})
})

// vipsReason is the first line of a libvips error: govips appends a Go stack trace, which
// belongs in no failure reason.
func vipsReason(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\nStack:")
	return strings.TrimSpace(strings.ReplaceAll(msg, "\n", "; "))
}
