package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
)

// TestGroupResetExecute: an operator's reset is refused while the group has a live member,
// and once the service stopped it moves the group's committed offsets to the plan's.
func TestGroupResetExecute(t *testing.T) {
	t.Parallel()
	r := newRig(t, testToken)
	ev := r.h.S.Valid(1)
	r.h.Produce(&kgo.Record{Key: []byte(ev.Key), Value: r.h.Encode(ev)})
	r.h.WaitApplied(ev.EventID)
	r.observe()
	group := r.h.S.Group
	path := "/groups/" + group + "/reset"
	form := url.Values{"target": {"earliest"}}

	if code, _ := r.post(path, form); code != http.StatusUnauthorized {
		t.Errorf("reset without signing in: %d, want 401", code)
	}
	csrf := r.signIn("dave")
	r.mustGet("/groups/"+group+"?target=earliest", "live member") // no execute button while it runs
	form.Set("csrf", csrf)
	if code, body := r.post(path, form); code != http.StatusConflict || !strings.Contains(body, "live member") {
		t.Errorf("reset of a running group: %d, want 409 naming the live member:\n%s", code, excerpt(body))
	}

	r.h.Stop()
	streamtest.Eventually(t, "the stopped member to leave "+group, func() (bool, error) {
		_, body := r.get("/groups/" + group + "?target=earliest")
		return strings.Contains(body, `id="reset-execute"`), nil
	})
	code, body := r.post(path, form)
	if code != http.StatusOK || !strings.Contains(body, "Reset by dave (console): 3 partitions moved") {
		_, section, _ := strings.Cut(body, `<section id="reset">`)
		t.Fatalf("reset of the stopped group: %d:\n%s", code, excerpt(section))
	}
	offs, err := kadm.NewClient(r.h.Env.Client(t)).FetchOffsets(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	offs.Each(func(o kadm.OffsetResponse) {
		n++
		if o.At != 0 {
			t.Errorf("%s/%d committed at %d after the reset to earliest, want 0", o.Topic, o.Partition, o.At)
		}
	})
	if n != 3 {
		t.Errorf("%d committed partitions after the reset, want 3 (the topic the group committed on)", n)
	}
}
