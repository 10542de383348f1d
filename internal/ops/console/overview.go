package console

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/novatrek/support/internal/ops/lag"
)

// serviceRow is one line of the overview: a consumer group, ours or not.
type serviceRow struct {
	Group       string
	Ours        bool
	State       string // Kafka's group state
	Running     string // running, stopped or stalled, in words
	Status      string
	Reason      string
	Members     int
	Lag         int64
	LagSeconds  float64
	Rate        float64 // events/s, -1 unknown
	DeadLetters int64
	Err         string
	// Replay is one of our services' replay (a rebuild's), when the console has the database.
	Replay *replay
	// Spark is the lag and dead letters of the last hour, as uPlot data: [[unix s], [lag], [dlq]].
	Spark string
}

type overviewData struct {
	Base     string // the console's prefix, for links in the rows block
	At       time.Time
	Observed bool
	Rows     []serviceRow
	// Inactive counts the groups nobody runs, left off the overview (the groups page lists them).
	Inactive int
	Outboxes []lag.OutboxBacklog
	// OutboxErr says why the outbox backlog is not shown.
	OutboxErr string
}

func (c *Console) overviewData(r *http.Request) overviewData {
	c.Sample()
	snap, ok := c.cfg.Lag.Latest()
	d := overviewData{Base: c.cfg.Prefix, At: snap.At, Observed: ok}
	dead := deadLetterCounts(snap)
	for _, g := range snap.Groups {
		if g.Inactive && !g.Ours && dead[g.Group] == 0 {
			d.Inactive++ // left behind by a tool nobody runs: the groups page lists it
			continue
		}
		pts := c.history.points(g.Group)
		row := serviceRow{
			Group: g.Group, Ours: g.Ours, State: g.State, Running: running(g), Status: g.Status.String(),
			Reason: g.Reason, Members: len(g.Members), Lag: g.Lag, LagSeconds: g.LagSeconds, Rate: rate(pts),
			DeadLetters: dead[g.Group], Err: g.Err, Spark: sparkData(pts),
		}
		var err error
		if row.Replay, err = c.replayOf(r.Context(), g.Group); err != nil {
			row.Err = strings.TrimSpace(row.Err + " " + err.Error())
		}
		d.Rows = append(d.Rows, row)
	}
	slices.SortStableFunc(d.Rows, func(a, b serviceRow) int {
		if a.Ours != b.Ours {
			if a.Ours {
				return -1
			}
			return 1
		}
		return 0
	})
	if c.cfg.Pool == nil {
		d.OutboxErr = "not shown: the console has no database (--database-url)"
	} else if obs, err := lag.ReadOutboxes(r.Context(), c.cfg.Pool); err != nil {
		d.OutboxErr = err.Error()
	} else {
		d.Outboxes = obs
	}
	return d
}

// running says in words whether anyone runs the group: members consuming, or nobody.
func running(g lag.Group) string {
	switch {
	case g.Err != "":
		return "unknown"
	case len(g.Members) == 0:
		return "stopped"
	case g.Status == lag.STALL:
		return "stalled"
	}
	return "running"
}

func sparkData(pts []point) string {
	xs, lags, dls := make([]float64, len(pts)), make([]int64, len(pts)), make([]int64, len(pts))
	for i, p := range pts {
		// uPlot's time axis is in seconds; fractions keep observations of one second apart.
		xs[i], lags[i], dls[i] = float64(p.At.UnixMilli())/1000, p.Lag, p.DeadLetters
	}
	b, _ := json.Marshal([]any{xs, lags, dls}) // numbers always marshal
	return string(b)
}

func (c *Console) overview(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "overview", "Overview", c.overviewData(r))
}

// overviewRows is the overview's table body alone: the page polls it to stay live.
func (c *Console) overviewRows(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := c.pages["overview"].ExecuteTemplate(w, "rows", c.overviewData(r)); err != nil {
		c.cfg.Logger.ErrorContext(r.Context(), "console: render overview rows", "err", err)
	}
}
