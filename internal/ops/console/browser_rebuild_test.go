package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/processors/analytics"
)

// TestBrowserRebuild drives headless Chromium through a rebuild of svc-analytics from its
// group page: a signed-in operator previews the rebuild (the dry run's moves and notes),
// carries it out with the service stopped, the overview shows the service "rebuilding"
// with its progress, the group page shows the progress bar, and once the service runs
// again the page's polling turns the bar into "replay done" by itself. No page logs an
// error.
func TestBrowserRebuild(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	svc := servicetest.Start(t, analytics.Spec)
	for _, id := range dayOfEvents(svc, time.Now().UTC().Add(-time.Minute), 3) {
		svc.AwaitApplied(id)
	}
	r := consoleOn(t, svc, analytics.Spec)
	r.observe()
	base, group := r.srv.URL, analytics.ServiceName

	b.run(t, "sign in", chromedp.Navigate(base+"/groups/"+group),
		chromedp.SendKeys(chromedp.CSS(`form.signin input[name=name]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`form.signin input[name=token]`), testToken),
		chromedp.Submit(chromedp.CSS(`form.signin`)),
		chromedp.WaitVisible(chromedp.CSS(`.access form[action$="/signout"]`)))
	svc.RestartWith(func() {
		r.observe() // the group has no live member now: the page offers the button
		b.run(t, "rebuild dry run", chromedp.Navigate(base+"/groups/"+group),
			chromedp.SetValue(chromedp.CSS(`select[name=target]`), "earliest"),
			chromedp.Click(chromedp.CSS(`input[name=rebuild]`)),
			chromedp.Click(chromedp.CSS(`#reset-form button`)),
			chromedp.WaitVisible(chromedp.CSS(`#reset table.moves`)))
		if s := b.text(t, `#reset`); !strings.Contains(s, "Rebuild of "+group) || !strings.Contains(s, "--rebuild --execute") {
			t.Errorf("rebuild preview: %q", s)
		}
		b.run(t, "scroll to the dry run", chromedp.ScrollIntoView(chromedp.CSS(`#reset`)))
		b.shotView(t, "rebuild-dry-run")
		b.run(t, "rebuild for real", chromedp.Click(chromedp.CSS(`#reset-execute button`)), chromedp.WaitVisible(chromedp.CSS(`#reset-done`)),
			chromedp.WaitVisible(chromedp.CSS(`#replay-progress`)))
		b.run(t, "scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		b.shotView(t, "rebuild-progress")
		b.run(t, "overview while rebuilding", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`tr[data-group="`+group+`"] .replaying`)))
		if row := b.text(t, `tr[data-group="`+group+`"]`); !strings.Contains(row, "rebuilding") {
			t.Errorf("overview row while rebuilding: %q", row)
		}
		b.shot(t, "overview-rebuilding")
		b.run(t, "group page while rebuilding", chromedp.Navigate(base+"/groups/"+group), chromedp.WaitVisible(chromedp.CSS(`#replay-progress`)))
	})
	b.waitFor(t, "the page's polling to show the replay done", `document.querySelector("#replay-done") !== null`)
	b.shotView(t, "rebuild-done")

	b.noErrors(t)
}
