package console_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// focusablesJS marks every visible, enabled link, button and form field of the page with
// data-kb, starts recording which of them get focus (window.kbReached), and returns how many
// there are: what a keyboard user must be able to reach.
const focusablesJS = `(() => { let n = 0;
  document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea").forEach(el => {
    if (el.disabled || el.getClientRects().length === 0) return;
    el.dataset.kb = String(n++); });
  window.kbReached = new Set();
  document.addEventListener("focusin", e => { if (e.target.dataset && e.target.dataset.kb) window.kbReached.add(e.target.dataset.kb); });
  return n; })()`

// wideJS names the first element reaching past the viewport's right edge when the page
// scrolls sideways, else "".
const wideJS = `(() => { if (document.documentElement.scrollWidth <= window.innerWidth + 1) return "";
  for (const el of document.querySelectorAll("body *")) {
    if (el.getBoundingClientRect().right > window.innerWidth + 1) return el.outerHTML.slice(0, 160); }
  return "the page (" + document.documentElement.scrollWidth + "px)"; })()`

// everyPage loads every page of the console in b (Analytics included): pressing Tab from
// the top reaches every link, button and field of the page, and at a phone's 390×844 no
// page is wider than the screen (tables scroll inside it). It runs inside
// TestBrowserAnalytics, whose rig has a dead letter and svc-analytics' charts.
func everyPage(t *testing.T, b *browser, r *analyticsRig) {
	t.Helper()
	group := r.h.S.Group
	pages := []string{"/", "/topics", "/topics/" + r.h.S.Input, "/groups", "/groups/" + group + "?target=earliest",
		"/deadletters", "/deadletters/" + group, "/deadletters/" + group + "/redrive?offsets=0:0", "/schemas",
		"/schemas/" + r.h.S.Input + "-value", "/analytics"}

	for _, page := range pages {
		b.run(t, "load "+page, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(r.srv.URL+page), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		n := value(t, b, "focusables of "+page, chromedp.Evaluate[int](focusablesJS))
		// The skip link, then every element; a date field takes a Tab per part, so up to
		// three rounds of n+2 presses.
		reached := 0
		for round := 0; round < 3 && reached < n; round++ {
			tabs := make([]chromedp.Action[chromedp.Void], n+2)
			for i := range tabs {
				tabs[i] = chromedp.KeyEvent(kb.Tab)
			}
			b.run(t, "Tab through "+page, tabs...)
			reached = value(t, b, "focus reached on "+page, chromedp.Evaluate[int](`window.kbReached.size`))
		}
		if reached != n {
			var missed []string
			for i := range n {
				if !value(t, b, "reached", chromedp.Evaluate[bool](fmt.Sprintf(`window.kbReached.has("%d")`, i))) {
					missed = append(missed, value(t, b, "missed element", chromedp.Evaluate[string](
						fmt.Sprintf(`document.querySelector('[data-kb="%d"]').outerHTML.slice(0, 120)`, i))))
				}
			}
			t.Errorf("%s: Tab reached %d of %d elements; not reached:\n%s", page, reached, n, strings.Join(missed, "\n"))
		}

		b.run(t, "phone "+page, chromedp.EmulateViewport(390, 844), chromedp.Navigate(r.srv.URL+page), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		if wide := value(t, b, "phone width of "+page, chromedp.Evaluate[string](wideJS)); wide != "" {
			t.Errorf("%s is wider than a phone's viewport (its wide parts should scroll inside the page): %s", page, wide)
		}
	}

}
