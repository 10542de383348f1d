package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
)

// A weather-alert.updated carries the alert's new severity, not the old one, so deciding
// whether it raises the alert needs what the earlier events said: weather_alert_levels keeps
// the last level per alert (migration 0003).

// severityRank orders the WeatherSeverity symbols; UNKNOWN (or a newer symbol) ranks 0.
var severityRank = map[string]int{"ADVISORY": 1, "WATCH": 2, "WARNING": 3, "EMERGENCY": 4}

// alertLevel is what one weather event said about its alert.
type alertLevel struct {
	alertID, eventID string
	severity         string
	recommend        bool
	asOf             time.Time
}

// raises reports whether next is a safety matter after prev: a higher severity, a severity
// that can no longer be ranked (UNKNOWN after a known one: it may be worse), or a newly
// recommended cancellation. With no prev (the issue never reached this service, or arrives
// after the update: the topics are not ordered with each other) it is, to be safe.
func raises(prev *alertLevel, next alertLevel) bool {
	if prev == nil {
		return true
	}
	p, n := severityRank[prev.severity], severityRank[next.severity]
	return n > p || (n == 0 && p > 0) || (next.recommend && !prev.recommend)
}

var (
	levelsTable = pgx.Identifier{Schema, "weather_alert_levels"}.Sanitize()
	readLevel   = `SELECT severity, recommend_cancellation, event_id, raised, as_of FROM ` + levelsTable + ` WHERE alert_id = $1 FOR UPDATE`
	writeLevel  = `INSERT INTO ` + levelsTable + ` AS l (alert_id, severity, recommend_cancellation, event_id, raised, as_of)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (alert_id) DO UPDATE SET severity = EXCLUDED.severity, recommend_cancellation = EXCLUDED.recommend_cancellation,
	event_id = EXCLUDED.event_id, raised = EXCLUDED.raised, as_of = EXCLUDED.as_of
WHERE l.as_of <= EXCLUDED.as_of`
)

// judgeLevel records next as its alert's level (unless a later event's level is already
// recorded: the older one is not the alert's state) and reports whether it raises the alert
// over the level recorded before it. The event that wrote the row keeps its judgement, so a
// redelivery routes as the first delivery did.
func judgeLevel(ctx context.Context, tx pgx.Tx, next alertLevel) (bool, error) {
	if next.alertID == "" { // every alert event names its chain; without it no level can be kept
		return false, stream.Permanent(fmt.Errorf("weather alert event %s: alert_id is empty", next.eventID))
	}
	var prev alertLevel
	var prevRaised bool
	err := tx.QueryRow(ctx, readLevel, next.alertID).Scan(&prev.severity, &prev.recommend, &prev.eventID, &prevRaised, &prev.asOf)
	var raised bool
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		raised = raises(nil, next)
	case err != nil:
		return false, fmt.Errorf("read weather alert %s level: %w", next.alertID, err)
	case prev.eventID == next.eventID:
		return prevRaised, nil
	default:
		raised = raises(&prev, next)
	}
	if _, err := tx.Exec(ctx, writeLevel, next.alertID, next.severity, next.recommend, next.eventID, raised, next.asOf); err != nil {
		return false, fmt.Errorf("record weather alert %s level: %w", next.alertID, err)
	}
	return raised, nil
}
