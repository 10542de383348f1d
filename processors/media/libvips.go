package media

import (
	"strings"
	"sync"

	"github.com/davidbyttow/govips/v2/vips"
)

// startVips starts libvips once per process. Its operation cache is off: every upload is a
// different file, so cached pipelines would only hold memory the render gate is meant to
// bound. Its own log lines (start-up chatter) are dropped below warnings.
var startVips = sync.OnceFunc(func() {
	vips.LoggingSettings(func(string, vips.LogLevel, string) {}, vips.LogLevelError)
	vips.Startup(&vips.Config{ConcurrencyLevel: 0, MaxCacheFiles: 0, MaxCacheMem: 0, MaxCacheSize: 0})
})

// vipsReason is the first line of a libvips error: govips appends a Go stack trace, which
// belongs in no failure reason.
func vipsReason(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\nStack:")
	return strings.TrimSpace(strings.ReplaceAll(msg, "\n", "; "))
}
