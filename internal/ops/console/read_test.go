package console_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// shownRE finds each shown record's partition:offset, in page order.
var shownRE = regexp.MustCompile(`<article class="message" data-position="(\d+:\d+)"`)

func shown(body string) []string {
	var out []string
	for _, m := range shownRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

var nextRE = regexp.MustCompile(`<a id="next" href="([^"]+)"`)

// TestBrowseAllPartitionsMergedByTime: the browser reads every partition at once and shows
// the records in timestamp order whatever their partition; page by page (limit 2) the
// "next records" links show every record once, in order; without a position it shows the
// newest; key filters work across partitions; one partition alone still reads as before.
func TestBrowseAllPartitionsMergedByTime(t *testing.T) {
	t.Parallel()
	r := newRig(t, "")
	p := r.h.Env.Client(t, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	// Seven records whose time order interleaves the partitions: partition, minute.
	layout := [][2]int{{2, 0}, {0, 1}, {1, 2}, {0, 3}, {2, 4}, {1, 5}, {0, 6}}
	var want []string
	next := map[int32]int64{}
	for i, l := range layout {
		ev := r.h.S.Valid(100 + i)
		part := int32(l[0])
		rec := &kgo.Record{Topic: r.h.S.Input, Partition: part, Key: []byte(ev.Key), Value: r.h.Encode(ev), Timestamp: base.Add(time.Duration(l[1]) * time.Minute)}
		if err := p.ProduceSync(t.Context(), rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("%d:%d", part, next[part]))
		next[part]++
	}
	topic := "/topics/" + r.h.S.Input

	if got := shown(r.mustGet(topic + "?partition=all&from=start")); !slices.Equal(got, want) {
		t.Errorf("all partitions from the start: %v, want by time %v", got, want)
	}
	if got := shown(r.mustGet(topic)); !slices.Equal(got, want) {
		t.Errorf("the default (all partitions, the newest): %v, want by time %v", got, want)
	}
	if got := shown(r.mustGet(topic + "?limit=3")); !slices.Equal(got, want[4:]) {
		t.Errorf("the newest 3 of all partitions: %v, want %v", got, want[4:])
	}

	var paged []string
	path := topic + "?partition=all&from=start&limit=2"
	for pages := 0; path != ""; pages++ {
		if pages > len(want) {
			t.Fatalf("paging does not end: %v so far", paged)
		}
		body := r.mustGet(path)
		paged = append(paged, shown(body)...)
		path = ""
		if m := nextRE.FindStringSubmatch(body); m != nil {
			u, err := url.Parse(html.UnescapeString(m[1]))
			if err != nil {
				t.Fatal(err)
			}
			path = u.RequestURI()
		}
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paging by 2 over all partitions: %v, want every record once by time %v", paged, want)
	}

	key := r.h.S.Valid(103).Key
	if got := shown(r.mustGet(topic + "?from=start&key=" + url.QueryEscape(key))); !slices.Contains(got, want[3]) {
		t.Errorf("key %s across partitions: %v, want it to include %s", key, got, want[3])
	}
	if got := shown(r.mustGet(topic + "?partition=0&from=start")); !slices.Equal(got, []string{"0:0", "0:1", "0:2"}) {
		t.Errorf("partition 0 alone: %v", got)
	}
	if code, body := r.get(topic + "?at=0:x"); code != http.StatusBadRequest {
		t.Errorf("a bad at: %d, want 400 naming at:\n%s", code, excerpt(body))
	} else {
		contains(t, "bad at", body, "at &#34;0:x&#34;")
	}
}
