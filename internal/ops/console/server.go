package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/novatrek/support/internal/platform/serde"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Console serves the pages. Build it with New; it is an http.Handler.
type Console struct {
	cfg      Config
	serde    *serde.Serde
	sessions *sessions
	history  *history
	pages    map[string]*template.Template
	// handler is the routes under Config.Prefix.
	handler http.Handler
}

// New checks cfg and returns the console. Call Sample (or Run) so the overview has history.
func New(cfg Config) (*Console, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg.Prefix = strings.TrimSuffix(cfg.Prefix, "/")
	c := &Console{
		cfg:      cfg,
		serde:    serde.New(cfg.Registry),
		sessions: &sessions{token: cfg.Token, byID: map[string]operator{}},
		history:  newHistory(historySpan),
	}
	var err error
	if c.pages, err = parsePages(); err != nil {
		return nil, err
	}
	c.routes()
	return c, nil
}

func (c *Console) routes() {
	m := http.NewServeMux()
	assets, _ := fs.Sub(assetFS, "assets") // the embedded directory exists: a build-time fact
	m.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets)))
	m.HandleFunc("GET /{$}", c.overview)
	m.HandleFunc("GET /overview/rows", c.overviewRows)
	m.HandleFunc("GET /topics", c.topics)
	m.HandleFunc("GET /topics/{topic}", c.browse)
	m.HandleFunc("GET /topics/{topic}/publish", c.publishForm)
	m.HandleFunc("POST /topics/{topic}/publish", c.publish)
	m.HandleFunc("GET /groups", c.groups)
	m.HandleFunc("GET /groups/{group}", c.group)
	m.HandleFunc("POST /groups/{group}/reset", c.resetGroup)
	m.HandleFunc("GET /groups/{group}/progress", c.replayProgress)
	m.HandleFunc("GET /deadletters", c.deadLetterGroups)
	m.HandleFunc("GET /deadletters/{group}", c.deadLetters)
	m.HandleFunc("GET /deadletters/{group}/{partition}/{offset}", c.deadLetter)
	m.HandleFunc("GET /deadletters/{group}/redrive", c.redrivePreview)
	m.HandleFunc("POST /deadletters/{group}/redrive", c.redrive)
	m.HandleFunc("GET /schemas", c.subjects)
	m.HandleFunc("GET /schemas/{subject}", c.subject)
	m.HandleFunc("POST /schemas/{subject}/check", c.checkSchema)
	m.HandleFunc("GET /analytics", c.analytics)
	m.HandleFunc("POST /signin", c.signIn)
	m.HandleFunc("POST /signout", c.signOut)
	c.handler = m
	if c.cfg.Prefix != "" {
		c.handler = http.StripPrefix(c.cfg.Prefix, m)
	}
}

// ServeHTTP serves the console under Config.Prefix.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "same-origin")
	c.handler.ServeHTTP(w, r)
}

// page is what every template gets: the page's own data plus the frame's.
type page struct {
	Title    string
	Nav      string
	Base     string
	Operator *operator
	ReadOnly bool
	Error    string
	Data     any
}

var funcs = template.FuncMap{
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return time.Since(t).Round(time.Second).String() + " ago"
	},
	"stamp": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"seconds": func(s float64) string {
		switch {
		case s < 0:
			return "?"
		case s < 1:
			return "0s"
		}
		return (time.Duration(s) * time.Second).String()
	},
	"dur":   func(d time.Duration) string { return d.Round(100 * time.Millisecond).String() },
	"lower": strings.ToLower,
	"int":   func(v int32) int { return int(v) },
	"key":   keyText,
}

// parsePages builds one template set per page: the layout plus the page's blocks.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", n, err)
		}
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages, nil
}

// render writes page name with data in the layout.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	c.renderPage(w, r, status, name, title, "", data)
}

func (c *Console) renderPage(w http.ResponseWriter, r *http.Request, status int, name, title, errText string, data any) {
	p := page{Title: title, Nav: name, Base: c.cfg.Prefix, ReadOnly: c.cfg.Token == "", Error: errText, Data: data}
	if op, ok := c.sessions.of(r); ok {
		p.Operator = &op
	}
	var buf bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&buf, "layout.html", p); err != nil {
		c.cfg.Logger.ErrorContext(r.Context(), "console: render", "page", name, "err", err)
		http.Error(w, "console: rendering "+name+" failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail renders the error page: what went wrong, in words, with the status.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	c.renderPage(w, r, status, "error", http.StatusText(status), msg, nil)
}
