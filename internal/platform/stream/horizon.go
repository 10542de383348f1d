package stream

import (
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

// The inbox remembers an event id for Config.InboxRetention after it was handled, and an
// event is handled no earlier than it occurred. So while an event's occurred_at is younger
// than the retention, the inbox still holds the id of any copy handled before: a duplicate
// is always caught. Once occurred_at is older, an earlier copy's row may have been pruned,
// and a duplicate arriving now (a producer re-sending a week-old event, a partial rewind
// further back than the retention) would be applied again without anyone noticing. The
// runtime cannot tell such a duplicate from an old event seen for the first time (a long
// outage, a late backfill), but it can say that it could not check: it counts every live
// event handled beyond the horizon and logs the first one of each partition assignment.
// Replays (Event.Replay) are re-applications by intent and are not counted.

// newBeyondHorizon registers the counter of events handled beyond the inbox horizon.
func newBeyondHorizon(reg prometheus.Registerer) (*prometheus.CounterVec, error) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "novatrek", Subsystem: "stream", Name: "beyond_inbox_horizon_total",
		Help: "Live events handled whose occurred_at is older than the inbox retention: an earlier copy may have been pruned from the inbox, so a duplicate among them was applied again.",
	}, []string{"topic"})
	return c, reg.Register(c)
}

// checkHorizon counts the just-committed handled records of the batch (w.sel) whose event
// occurred before the inbox horizon; the first one per assignment is logged at WARN.
func (w *worker) checkHorizon() {
	if w.p.cfg.InboxRetention < 0 {
		return // rows are kept forever: every duplicate is caught
	}
	if w.copy != nil && w.copy.eventKeyed {
		return // the table's key is the inbox, never pruned: every duplicate is caught
	}
	horizon := time.Now().Add(-w.p.cfg.InboxRetention)
	beyond := 0
	for _, i := range w.sel {
		rec := w.recs[i]
		if rec.Offset < w.replayUntil {
			continue
		}
		at := w.batch.occurredAt(i)
		if at.IsZero() || !at.Before(horizon) {
			continue
		}
		beyond++
		if !w.horizonLogged {
			w.horizonLogged = true
			w.log.Warn("event older than the inbox retention applied: the inbox can no longer tell whether it is a duplicate "+
				"(counted in novatrek_stream_beyond_inbox_horizon_total; logged once per partition assignment)",
				"offset", rec.Offset, "event_id", uuid.UUID(w.state[i].id).String(), "occurred_at", at, "inbox_retention", w.p.cfg.InboxRetention)
		}
	}
	if beyond > 0 {
		w.p.metrics.beyondHorizon.WithLabelValues(w.topic).Add(float64(beyond))
	}
}
