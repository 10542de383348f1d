package console

import (
	"net/http"
	"time"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/topology"
)

// topicSize is what the cluster holds of one topic at one observation.
type topicSize struct {
	Partitions int
	// Records is end minus start offsets, summed; End the high watermarks, summed (every
	// record the topic ever received).
	Records, End int64
}

func topicSizes(snap lag.Snapshot) map[string]topicSize {
	out := map[string]topicSize{}
	for _, p := range snap.Partitions {
		s := out[p.Topic]
		s.Partitions++
		s.Records += p.HighWater - p.Start
		s.End += p.HighWater
		out[p.Topic] = s
	}
	return out
}

// topicRow is a topic of topics.yaml beside what the cluster holds of it.
type topicRow struct {
	topology.Topic
	OnCluster bool
	Cluster   topicSize
	// Rate is records/s appended between the last two observations, -1 unknown.
	Rate float64
}

func (c *Console) topics(w http.ResponseWriter, r *http.Request) {
	c.Sample()
	snap, _ := c.cfg.Lag.Latest()
	sizes := topicSizes(snap)
	var rows []topicRow
	for _, t := range c.cfg.Topology.Topics {
		s, ok := sizes[t.Name]
		rows = append(rows, topicRow{Topic: t, OnCluster: ok, Cluster: s, Rate: c.history.topicRate(t.Name)})
	}
	c.render(w, r, http.StatusOK, "topics", "Topics", struct {
		At   time.Time
		Rows []topicRow
	}{snap.At, rows})
}
