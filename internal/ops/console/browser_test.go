package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/console"
	"github.com/novatrek/support/internal/ops/deadletter/deadlettertest"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/publish"
)

// artifactsEnv names the directory the browser tests save their screenshots in; default
// .artifacts/console at the repository root (ignored by git).
const artifactsEnv = "NOVATREK_TEST_ARTIFACTS"

// chromium returns Debian's chromium (scripts/setup installs it), or skips the test saying
// why: the plain HTTP tests of this package cover every handler without it.
func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary on PATH (scripts/setup installs Debian's chromium); the browser test is skipped, the HTTP tests still run")
	return ""
}

func artifactsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(artifactsEnv)
	if dir == "" {
		dir = filepath.Join("..", "..", "..", ".artifacts", "console")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser is a headless Chromium tab that records every console error and uncaught
// exception of the pages it loads.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newBrowser(t testing.TB) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, chromedp.WindowSize(1280, 800), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	b := &browser{ctx: ctx}
	messages := chromedp.Console(ctx) // subscribes now, so no message of the first page is lost
	go func() {
		for m, err := range messages {
			if err != nil {
				return // the test ended and cancelled the context
			}
			// The refused write is the test's own: the browser logs its 401 as an error.
			deliberate := strings.HasSuffix(m.URL, "/redrive") && strings.Contains(m.Text, "401")
			if (m.Type == chromedp.ConsoleException || m.Type == "error") && !deliberate {
				b.mu.Lock()
				b.errors = append(b.errors, m.String()+" at "+m.URL)
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// noErrors fails the test when a page logged an error or threw.
func (b *browser) noErrors(t testing.TB) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errors) > 0 {
		t.Errorf("the pages logged errors:\n%s", strings.Join(b.errors, "\n"))
	}
}

func (b *browser) run(t testing.TB, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func value[T any](t testing.TB, b *browser, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitFor polls the JavaScript predicate until it holds, failing the test when it still
// does not after 20 s: a wait for the page, not a speed assertion.
func (b *browser) waitFor(t testing.TB, what, predicate string) {
	t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func (b *browser) shot(t testing.TB, name string) {
	t.Helper()
	b.save(t, name, value(t, b, "screenshot "+name, chromedp.FullScreenshot(100)))
}

// shotView saves what the viewport shows, for pages too long to picture whole.
func (b *browser) shotView(t testing.TB, name string) {
	t.Helper()
	b.save(t, name, value(t, b, "screenshot "+name, chromedp.CaptureScreenshot()))
}

func (b *browser) save(t testing.TB, name string, png []byte) {
	t.Helper()
	path := filepath.Join(artifactsDir(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// text is the text of the first element sel matches, waiting (up to 20 s) until one does.
// It reads through the page's own DOM rather than a node id, which a page finishing its
// load (or a refresh replacing the element) makes stale between the wait and the read.
func (b *browser) text(t testing.TB, sel string) string {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : null; })()`, sel)
	b.waitFor(t, sel+" on the page", js+" !== null")
	return value(t, b, "read "+sel, chromedp.Evaluate[string](js))
}

// inkJS is a script counting the painted pixels of the first canvas sel matches: a chart
// that drew nothing has none.
func inkJS(sel string) string {
	return fmt.Sprintf(`(() => { const c = document.querySelector(%q); if (!c) return -1;
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })()`, sel)
}

// TestBrowser drives headless Chromium through the console: the overview shows the running
// service with drawn sparklines, a produced event appears decoded in the browser, a group
// reset dry run shows the moves, a write without the token is refused, a dead letter is
// re-driven after a dry run, and the overview fits a phone. No page logs an error.
func TestBrowser(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	r := newRig(t, testToken, func(c *console.Config, h *streamtest.Harness) {
		pub, err := publish.New(h.Env.Client(t), h.Env.RegistryURL, publish.Producer("console-browser-test"))
		if err != nil {
			t.Fatal(err)
		}
		c.Publisher = pub
	})
	ev := r.h.S.Valid(1)
	rec := r.h.Produce(&kgo.Record{Key: []byte(ev.Key), Value: r.h.Encode(ev)})[0]
	r.h.WaitApplied(ev.EventID)
	deadlettertest.Poison(t, r.h, 2) // Failing(1) is Valid(1)'s reservation, already applied
	group := r.h.S.Group
	// Two observations, each seen by the console, so the sparklines have two points.
	r.observe()
	r.mustGet("/overview/rows", group)
	r.observe()
	base := r.srv.URL

	b.run(t, "overview", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`tr[data-group="`+group+`"] .spark canvas`)))
	if row := b.text(t, `tr[data-group="`+group+`"]`); !strings.Contains(row, "service") {
		t.Errorf("overview row of %s: %q", group, row)
	}
	b.waitFor(t, "the sparkline of "+group+" painted", inkJS(`tr[data-group="`+group+`"] .spark canvas`)+" > 0")
	b.shot(t, "overview")

	b.run(t, "topic browser", chromedp.Navigate(fmt.Sprintf("%s/topics/%s?partition=%d&from=start", base, r.h.S.Input, rec.Partition)),
		chromedp.WaitVisible(chromedp.CSS(`article.message pre.value`)))
	if v := b.text(t, `article.message pre.value`); !strings.Contains(v, ev.EventID) {
		t.Errorf("the browser's first record does not show event %s decoded: %q", ev.EventID, v)
	}
	b.shot(t, "topic-browser")
	b.run(t, "topic browser, all partitions", chromedp.Navigate(base+"/topics/"+r.h.S.Input),
		chromedp.WaitVisible(chromedp.CSS(`article.message pre.value`)))
	if v := b.text(t, `main`); !strings.Contains(v, "merged by timestamp") || !strings.Contains(v, ev.EventID) {
		t.Errorf("the browser over all partitions does not show event %s: %q", ev.EventID, v)
	}
	b.shot(t, "topic-browser-all-partitions")

	b.run(t, "group reset dry run", chromedp.Navigate(base+"/groups/"+group),
		chromedp.WaitVisible(chromedp.CSS(`.chart canvas`)),
		chromedp.SetValue(chromedp.CSS(`select[name=target]`), "earliest"),
		chromedp.Click(chromedp.CSS(`#reset-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`#reset table.moves`)))
	b.waitFor(t, "the per-partition lag chart painted", inkJS(`.chart canvas`)+" > 0")
	if s := b.text(t, `#reset`); !strings.Contains(s, "Dry run: nothing changed.") {
		t.Errorf("reset preview: %q", s)
	}
	b.shot(t, "group-reset-dry-run")

	b.run(t, "dead letters", chromedp.Navigate(base+"/deadletters/"+group), chromedp.WaitVisible(chromedp.CSS(`table.letters`)))
	refused := value(t, b, "write without the token", chromedp.Evaluate[int](
		`fetch("/deadletters/`+group+`/redrive", {method: "POST", body: new URLSearchParams({positions: "0:0"})}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	if refused != 401 {
		t.Errorf("a re-drive without the operator token answered %d, want 401", refused)
	}
	b.shot(t, "dead-letters")

	deadlettertest.Fix(t, r.h)
	b.run(t, "sign in and re-drive",
		chromedp.SendKeys(chromedp.CSS(`form.signin input[name=name]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`form.signin input[name=token]`), testToken),
		chromedp.Submit(chromedp.CSS(`form.signin`)),
		chromedp.WaitVisible(chromedp.CSS(`.access form[action$="/signout"]`)),
		chromedp.Navigate(base+"/deadletters/"+group+"/redrive?offsets=0:0"),
		chromedp.WaitVisible(chromedp.CSS(`table.items`)))
	b.run(t, "publish a test event from the form", chromedp.Navigate(base+"/topics/"+r.h.S.Input+"/publish"),
		chromedp.Click(chromedp.CSS(`main form button`)), chromedp.WaitVisible(chromedp.CSS(`#published`)))
	b.shot(t, "publish")
	b.run(t, "the published event, decoded", chromedp.Click(chromedp.CSS(`#published a`)),
		chromedp.WaitVisible(chromedp.CSS(`article.message pre.value`)))
	if v := b.text(t, `article.message pre.value`); !strings.Contains(v, "console-browser-test") {
		t.Errorf("the published event is not shown decoded with its producer: %q", v)
	}
	b.run(t, "re-drive dry run", chromedp.Navigate(base+"/deadletters/"+group+"/redrive?offsets=0:0"),
		chromedp.WaitVisible(chromedp.CSS(`table.items`)))
	if s := b.text(t, `main`); !strings.Contains(s, "Dry run: nothing sent.") {
		t.Errorf("re-drive dry run: %q", s)
	}
	b.shot(t, "redrive-dry-run")
	b.run(t, "re-drive for real", chromedp.Click(chromedp.CSS(`main form button`)), chromedp.WaitVisible(chromedp.CSS(`#redrive-done`)))
	if s := b.text(t, `main`); !strings.Contains(s, "Done.") || !strings.Contains(s, "sent at offset") {
		t.Errorf("re-drive: %q", s)
	}
	r.h.WaitApplied(r.h.S.Failing(2).EventID)
	b.shot(t, "redrive-done")

	b.run(t, "phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-group="`+group+`"]`)))
	overflow := value(t, b, "phone width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if overflow {
		t.Errorf("the overview is wider than a phone's viewport: its tables should scroll inside the page")
	}
	b.shot(t, "overview-phone")

	b.noErrors(t)
}
