package console_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
)

// benchServices is how many consumer groups the overview benchmark shows: the nine services.
const benchServices = 9

// navigationJS reads the page's paint timings: first contentful paint and the load event's
// end, in ms from the navigation's start.
const navigationJS = `(() => {
  const fcp = performance.getEntriesByType("paint").find(e => e.name === "first-contentful-paint");
  const nav = performance.getEntriesByType("navigation")[0];
  return [fcp ? fcp.startTime : -1, nav ? nav.loadEventEnd : -1];
})()`

// paint loads url in the browser and returns its first contentful paint and load end, ms.
func paint(b *testing.B, br *browser, url, ready string) (fcp, load float64) {
	b.Helper()
	if err := chromedp.Do(br.ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(ready))); err != nil {
		b.Fatalf("loading %s: %v", url, err)
	}
	br.waitFor(b, "the load event and the first paint of "+url,
		`performance.getEntriesByType("navigation")[0].loadEventEnd > 0 && performance.getEntriesByType("paint").length > 0`)
	v, err := chromedp.Run(br.ctx, chromedp.Evaluate[[]float64](navigationJS))
	if err != nil || len(v) != 2 || v[0] < 0 || v[1] <= 0 {
		b.Fatalf("paint timings of %s: %v %v", url, v, err)
	}
	return v[0], v[1]
}

// staticPage serves a bare static page, the browser's own floor beside which the console's
// pages are measured (paint it with the ready selector #x).
func staticPage(b *testing.B) *httptest.Server {
	static := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><body><h1 id="x">static</h1></body></html>`)
	}))
	b.Cleanup(static.Close)
	return static
}

// BenchmarkOverviewPaint: the overview with nine services' groups and topics.yaml's topics,
// first contentful paint in headless Chromium, beside the paint of a bare static page in
// the same browser (the browser's own floor).
func BenchmarkOverviewPaint(b *testing.B) {
	br := newBrowser(b)
	r := newRig(b, "")
	topo, err := topology.Default()
	if err != nil {
		b.Fatal(err)
	}
	adm := kadm.NewClient(r.h.Env.Client(b))
	ctx := context.Background()
	var names []string
	for _, tp := range topo.Topics {
		if tp.Name != r.h.S.Input { // the rig made that one
			names = append(names, tp.Name)
		}
	}
	for _, name := range names {
		if _, err := adm.CreateTopic(ctx, 3, 1, nil, name); err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			b.Fatal(err)
		}
	}
	// Nine running consumer groups, one per service, each a live member polling its topic.
	runCtx, stop := context.WithCancel(ctx)
	b.Cleanup(stop)
	for i := range benchServices {
		cl := r.h.Env.Client(b, kgo.ConsumerGroup(fmt.Sprintf("svc-bench-%d", i)), kgo.ConsumeTopics(names[i]))
		go func() {
			for runCtx.Err() == nil {
				cl.PollFetches(runCtx)
			}
		}()
	}
	streamtest.Eventually(b, "nine live bench groups", func() (bool, error) {
		if err := r.exp.Refresh(ctx); err != nil {
			return false, err
		}
		snap, _ := r.exp.Latest()
		live := 0
		for _, g := range snap.Groups {
			if len(g.Members) > 0 && strings.HasPrefix(g.Group, "svc-bench-") {
				live++
			}
		}
		return live == benchServices, nil
	})
	r.observe()
	static := staticPage(b)
	var fcp, load, base float64
	b.ResetTimer()
	for range b.N {
		f, l := paint(b, br, r.srv.URL+"/", `tr[data-group="svc-bench-8"]`)
		s, _ := paint(b, br, static.URL, `#x`)
		fcp, load, base = fcp+f, load+l, base+s
	}
	n := float64(b.N)
	b.ReportMetric(fcp/n, "overview-fcp-ms")
	b.ReportMetric(load/n, "overview-load-ms")
	b.ReportMetric(base/n, "static-page-fcp-ms")
}

// BenchmarkAnalyticsPaint: the Analytics page over a real svc-analytics holding three
// weeks of events, until its six charts are drawn (the server's seven to nine API calls
// and uPlot's drawing), beside a bare static page in the same browser.
func BenchmarkAnalyticsPaint(b *testing.B) {
	br := newBrowser(b)
	r := newAnalyticsRig(b, 0)
	history(r.svc)
	static := staticPage(b)
	var fcp, load, base float64
	b.ResetTimer()
	for range b.N {
		f, l := paint(b, br, r.srv.URL+"/analytics", `#forecast canvas`)
		s, _ := paint(b, br, static.URL, `#x`)
		fcp, load, base = fcp+f, load+l, base+s
	}
	n := float64(b.N)
	b.ReportMetric(fcp/n, "analytics-fcp-ms")
	b.ReportMetric(load/n, "analytics-load-ms")
	b.ReportMetric(base/n, "static-page-fcp-ms")
}

// BenchmarkBrowse500: the topic browser decoding and rendering 500 Avro records, load end in
// headless Chromium and the server's part alone (the page fetched by a Go client), beside
// reading the same 500 records raw with franz-go (no decoding, no page) in the same run.
// Then the same over every partition merged by time: partition 0's 500 and 250 more in each
// of partitions 1 and 2, of which the page shows the first 500 (each partition is read up
// to 500 records, so 1,000 are read; only the 500 shown are decoded).
func BenchmarkBrowse500(b *testing.B) {
	br := newBrowser(b)
	r := newRig(b, "")
	recs := make([]*kgo.Record, 0, 500)
	for i := range 500 {
		ev := r.h.S.Valid(i%62 + 1)
		recs = append(recs, &kgo.Record{Topic: r.h.S.Input, Key: []byte(ev.Key), Value: r.h.Encode(ev), Partition: 0})
	}
	p := r.h.Env.Client(b, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err := p.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		b.Fatal(err)
	}
	for i := range 500 {
		ev := r.h.S.Valid(i%62 + 1)
		recs[i] = &kgo.Record{Topic: r.h.S.Input, Key: []byte(ev.Key), Value: r.h.Encode(ev), Partition: int32(1 + i%2)}
	}
	if err := p.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		b.Fatal(err)
	}
	url := r.srv.URL + "/topics/" + r.h.S.Input + "?partition=0&from=start&limit=500"
	merged := r.srv.URL + "/topics/" + r.h.S.Input + "?partition=all&from=start&limit=500"
	var load, server, raw, mergedLoad float64
	b.ResetTimer()
	for range b.N {
		_, l := paint(b, br, url, `article.message:nth-of-type(500)`)
		load += l
		start := time.Now()
		if code, _ := r.get(strings.TrimPrefix(url, r.srv.URL)); code != http.StatusOK {
			b.Fatalf("GET %s: %d", url, code)
		}
		server += float64(time.Since(start).Microseconds()) / 1000
		raw += rawRead(b, r.h.Env.Brokers, r.h.S.Input, 500)
		_, l = paint(b, br, merged, `article.message:nth-of-type(500)`)
		mergedLoad += l
	}
	n := float64(b.N)
	b.ReportMetric(load/n, "browse500-load-ms")
	b.ReportMetric(server/n, "browse500-server-ms")
	b.ReportMetric(raw/n, "raw-read500-ms")
	b.ReportMetric(mergedLoad/n, "browse500-all-partitions-load-ms")
}

// rawRead reads n records of partition 0 from the start with a bare consumer, ms.
func rawRead(b *testing.B, brokers []string, topic string, n int) float64 {
	b.Helper()
	start := time.Now()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	got := 0
	for got < n {
		fs := cl.PollFetches(context.Background())
		if err := fs.Err0(); err != nil {
			b.Fatal(err)
		}
		got += fs.NumRecords()
	}
	return float64(time.Since(start).Microseconds()) / 1000
}
