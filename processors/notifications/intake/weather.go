package intake

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/schemas"
)

// The handlers of svc-weather's events. A new alert is always a safety matter; an update is
// one when it raises the alert (alert_levels.go), a cancellation never is, and a trip's risk
// is one when it is CANCEL_RECOMMENDED. The routes are in routes.go.

func (in *Intake) weatherAlertIssued(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.WeatherAlertIssued]) error {
	v := &ev.Value
	if _, err := judgeLevel(ctx, tx, alertLevel{alertID: v.AlertID, eventID: ev.Meta.EventID,
		severity: v.Severity, recommend: v.RecommendCancellation, asOf: ev.Meta.OccurredAt}); err != nil {
		return err
	}
	return in.event(ctx, tx, ev.Meta, ev.Topic, "weather_alert.issued", fields{}, map[string]any{
		"alert_id": v.AlertID, "location_id": v.LocationID, "alert_type": v.AlertType, "severity": v.Severity,
		"headline": v.Headline, "description": v.Description, "radius_km": strconv.FormatFloat(v.RadiusKm, 'f', -1, 64),
		"starts_at": stamp(v.StartsAt), "ends_at": stamp(v.EndsAt),
		"recommend_cancellation": strconv.FormatBool(v.RecommendCancellation),
	})
}

func (in *Intake) weatherAlertUpdated(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.WeatherAlertUpdated]) error {
	v := &ev.Value
	raised, err := judgeLevel(ctx, tx, alertLevel{alertID: v.AlertID, eventID: ev.Meta.EventID,
		severity: v.Severity, recommend: v.RecommendCancellation, asOf: ev.Meta.OccurredAt})
	if err != nil {
		return err
	}
	return in.judged(ctx, tx, ev.Meta, ev.Topic, "weather_alert.updated", raised, fields{}, map[string]any{
		"alert_id": v.AlertID, "location_id": v.LocationID, "alert_type": v.AlertType, "severity": v.Severity,
		"headline": v.Headline, "description": v.Description, "starts_at": stamp(v.StartsAt), "ends_at": stamp(v.EndsAt),
		"recommend_cancellation": strconv.FormatBool(v.RecommendCancellation), "raised": strconv.FormatBool(raised),
	})
}

func (in *Intake) weatherAlertCancelled(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.WeatherAlertCancelled]) error {
	v := &ev.Value
	return in.event(ctx, tx, ev.Meta, ev.Topic, "weather_alert.cancelled", fields{}, map[string]any{
		"alert_id": v.AlertID, "location_id": v.LocationID, "headline": v.Headline, "cancelled_at": stamp(v.CancelledAt),
	})
}

func (in *Intake) tripWeatherRiskChanged(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.TripWeatherRiskChanged]) error {
	v := &ev.Value
	guides, err := departureGuides(ctx, tx, v.ScheduleID, v.DepartureID)
	if err != nil {
		return err
	}
	return in.judged(ctx, tx, ev.Meta, ev.Topic, "trip_weather_risk.changed", v.Recommendation == "CANCEL_RECOMMENDED", fields{
		SourceDepartureGuides: people("GUIDE", guides...),
	}, map[string]any{
		"departure_id": v.DepartureID, "trip_id": v.TripID, "location_id": v.LocationID, "activity": v.Activity,
		"starts_at": stamp(v.StartsAt), "ends_at": stamp(v.EndsAt), "recommendation": v.Recommendation,
		"previous_recommendation": deref(v.PreviousRecommendation), "reasons": riskReasons(v.Reasons),
	})
}

// riskReasons formats the reasons for a message: "wind_kmh 72 (CANCEL_RECOMMENDED at 60):
// detail; ...", or "none".
func riskReasons(rs []schemas.WeatherRiskReason) string {
	if len(rs) == 0 {
		return "none"
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%s %s (%s at %s)", r.Factor, num(r.Value), r.Level, num(r.Threshold))
		if r.Detail != "" {
			parts[i] += ": " + r.Detail
		}
	}
	return strings.Join(parts, "; ")
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
