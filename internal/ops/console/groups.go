package console

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/ops/offsetreset"
)

func (c *Console) groups(w http.ResponseWriter, r *http.Request) {
	c.Sample()
	snap, _ := c.cfg.Lag.Latest()
	c.render(w, r, http.StatusOK, "groups", "Consumer groups", snap)
}

// groupData is one group's page: its last observation, its partitions' lag as a chart and,
// when asked, a reset preview.
type groupData struct {
	Group lag.Group
	At    time.Time
	// Chart is the per-partition lag as the console.js chart spec.
	Chart string
	Reset *resetPreview
	// CanRebuild says the group is one of our services with a Rebuild: the reset form
	// offers it.
	CanRebuild bool
	// Progress is the service's replay, polled by the page while it runs.
	Progress progressView
}

// groupPage is the group's page data from the last observation; false when it has none.
func (c *Console) groupPage(ctx context.Context, name string) (groupData, bool) {
	c.Sample()
	snap, _ := c.cfg.Lag.Latest()
	svc := offsetreset.ServiceOf(c.cfg.Services, name)
	d := groupData{Group: lag.Group{Group: name}, At: snap.At, CanRebuild: svc != nil && svc.Rebuild != nil, Progress: c.progressOf(ctx, name)}
	i := slices.IndexFunc(snap.Groups, func(g lag.Group) bool { return g.Group == name })
	if i < 0 {
		return d, false
	}
	d.Group, d.Chart = snap.Groups[i], partitionChart(snap.Groups[i])
	return d, true
}

func (c *Console) group(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("group")
	d, ok := c.groupPage(r.Context(), name)
	if !ok {
		c.fail(w, r, http.StatusNotFound, "no consumer group "+name+" in the last observation")
		return
	}
	if r.FormValue("target") != "" {
		prev, status, err := c.previewReset(r, name)
		if err != nil {
			c.renderPage(w, r, status, "group", "Group "+name, err.Error(), d)
			return
		}
		d.Reset = prev
	}
	c.render(w, r, http.StatusOK, "group", "Group "+name, d)
}

// partitionChart is the group's lag per partition, in the order of its partitions, for a
// uPlot chart with the partition's index on x.
func partitionChart(g lag.Group) string {
	xs, lags := make([]int, len(g.Partitions)), make([]int64, len(g.Partitions))
	labels := make([]string, len(g.Partitions))
	for i, p := range g.Partitions {
		xs[i], lags[i], labels[i] = i, p.Lag, p.Topic+"/"+strconv.Itoa(int(p.Partition))
	}
	b, _ := json.Marshal(map[string]any{ // ints and strings always marshal
		"xlabel": "partition (index in the table)", "ylabel": "lag (records)",
		"series": []string{"lag"}, "labels": labels, "data": []any{xs, lags},
	})
	return string(b)
}
