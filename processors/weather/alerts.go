package weather

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/processors/weather/nws"
	"github.com/novatrek/support/schemas"
)

// Source is the provider named in the events.
const Source = "nws"

// capNamespace derives a CAP message's id from its identity, so that every instance and
// every poll gives one message the same id.
var capNamespace = uuid.MustParse("6f1f9f8e-4f0e-4c55-9a53-6b7f0c1e2a41")

// messageID is the id of the CAP message sender + identifier.
func messageID(sender, identifier string) uuid.UUID {
	return uuid.NewSHA1(capNamespace, []byte(sender+"\n"+identifier))
}

// area is a watched location.
type area struct {
	LocationID string
	Point
}

// applyAlerts records the active alerts polled at ar and emits, once per message and
// location, weather-alert.issued for an alert new at the location, .updated for an Update
// of one issued there, and .cancelled for a Cancel of one; then re-assesses the location's
// upcoming departures. A message is known by its CAP identity (sender + identifier), so
// overlapping polls, or two instances polling, record and emit it once: the inserts of
// alert_history and alert_notices decide, in one transaction. The insert names no conflict
// target: message_id is derived from the same identity, and two racing inserts may trip its
// primary key before the (sender, identifier) index.
func (a *app) applyAlerts(ctx context.Context, tx pgx.Tx, ar area, alerts []nws.Alert) (int, error) {
	slices.SortStableFunc(alerts, func(x, y nws.Alert) int { return x.Sent.Compare(y.Sent) })
	emitted := 0
	for _, al := range alerts {
		n, err := a.applyAlert(ctx, tx, ar, al)
		if err != nil {
			return 0, fmt.Errorf("weather: alert %s from %s: %w", al.Identifier, al.Sender, err)
		}
		emitted += n
	}
	if emitted > 0 {
		if err := a.reassessLocation(ctx, tx, ar.LocationID, "alerts at "+ar.LocationID); err != nil {
			return 0, err
		}
	}
	return emitted, nil
}

func (a *app) applyAlert(ctx context.Context, tx pgx.Tx, ar area, al nws.Alert) (int, error) {
	id := messageID(al.Sender, al.Identifier)
	chain, known, err := chainOf(ctx, tx, al)
	if err != nil {
		return 0, err
	}
	if !known {
		chain = id
	}
	center, radius := extent(al.Ring, ar.Point)
	status := "active"
	if al.MessageType == "Cancel" {
		status = "cancelled"
	}
	refs := make([]string, len(al.References))
	for i, r := range al.References {
		refs[i] = r.Sender + "," + r.Identifier
	}
	typ, sev := alertType(al.Event), severity(al.Event, al.Severity)
	tag, err := tx.Exec(ctx, `INSERT INTO weather.alert_history (message_id, sender, identifier, chain_id, message_type, refs,
		event, alert_type, severity, headline, description, sent, effective, expires, status, area_lat, area_lon, radius_km, first_seen)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		ON CONFLICT DO NOTHING`,
		id, al.Sender, al.Identifier, chain, al.MessageType, refs, al.Event, typ, sev, al.Headline, al.Description,
		al.Sent, al.Effective, al.Expires, status, center.Lat, center.Lon, radius, a.now())
	if err != nil {
		return 0, err
	}
	if tag.RowsAffected() == 1 && known {
		// The chain's earlier messages are replaced (Update) or all over (Cancel).
		if _, err := tx.Exec(ctx, `UPDATE weather.alert_history SET status = CASE WHEN $3 = 'Cancel' THEN 'cancelled' ELSE 'superseded' END
			WHERE chain_id = $1 AND message_id <> $2 AND status = 'active'`, chain, id, al.MessageType); err != nil {
			return 0, err
		}
	}
	var toldHere bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM weather.alert_notices WHERE chain_id = $1 AND location_id = $2)`,
		chain, ar.LocationID).Scan(&toldHere); err != nil {
		return 0, err
	}
	kind := "issued"
	switch {
	case al.MessageType == "Cancel" && !toldHere:
		return 0, nil // nothing was said here, so there is nothing to take back
	case al.MessageType == "Cancel":
		kind = "cancelled"
	case toldHere:
		kind = "updated"
	}
	tag, err = tx.Exec(ctx, `INSERT INTO weather.alert_notices (message_id, location_id, chain_id, kind, noticed_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, id, ar.LocationID, chain, kind, a.now())
	if err != nil || tag.RowsAffected() == 0 {
		return 0, err
	}
	warn := sev == "WARNING" || sev == "EMERGENCY"
	var ev schemas.Event
	switch kind {
	case "issued":
		ev = &schemas.WeatherAlertIssued{AlertID: chain.String(), LocationID: ar.LocationID,
			AreaCenter: schemas.GeoPoint{Latitude: center.Lat, Longitude: center.Lon}, RadiusKm: radius, AlertType: typ, Severity: sev,
			Headline: al.Headline, Description: al.Description, StartsAt: al.Effective, EndsAt: al.Expires, Source: Source,
			RecommendCancellation: warn}
	case "updated":
		ev = &schemas.WeatherAlertUpdated{AlertID: chain.String(), MessageID: id.String(), LocationID: ar.LocationID, AlertType: typ,
			Severity: sev, Headline: al.Headline, Description: al.Description, StartsAt: al.Effective, EndsAt: al.Expires,
			Source: Source, RecommendCancellation: warn}
	default:
		ev = &schemas.WeatherAlertCancelled{AlertID: chain.String(), MessageID: id.String(), LocationID: ar.LocationID,
			Headline: al.Headline, CancelledAt: al.Sent, Source: Source}
	}
	return 1, a.emit.Emit(ctx, tx, ev)
}

// chainOf is the chain the message's References lead to, if any of them is known.
func chainOf(ctx context.Context, tx pgx.Tx, al nws.Alert) (uuid.UUID, bool, error) {
	if al.MessageType == "Alert" || len(al.References) == 0 {
		return uuid.UUID{}, false, nil
	}
	ids := make([]uuid.UUID, len(al.References))
	for i, r := range al.References {
		ids[i] = messageID(r.Sender, r.Identifier)
	}
	var chain uuid.UUID
	err := tx.QueryRow(ctx, `SELECT chain_id FROM weather.alert_history WHERE message_id = ANY($1) ORDER BY sent LIMIT 1`, ids).Scan(&chain)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.UUID{}, false, nil
	}
	return chain, err == nil, err
}

// extent is the centre and radius of an alert's polygon; without one (a zone-based alert)
// the polled area and 0.
func extent(ring [][]float64, fallback Point) (Point, float64) {
	if len(ring) < 3 {
		return fallback, 0
	}
	var c Point
	pts := ring
	if len(pts) > 1 && slices.Equal(pts[0], pts[len(pts)-1]) {
		pts = pts[:len(pts)-1]
	}
	for _, v := range pts {
		c.Lon += v[0] / float64(len(pts))
		c.Lat += v[1] / float64(len(pts))
	}
	r := 0.0
	for _, v := range pts {
		r = math.Max(r, c.distanceKm(Point{v[1], v[0]}))
	}
	return c, math.Round(r*10) / 10
}

// alertType maps an NWS event name to WeatherAlertType.
func alertType(event string) string {
	e := strings.ToLower(event)
	for _, m := range []struct{ word, typ string }{
		{"thunderstorm", "THUNDERSTORM"}, {"lightning", "LIGHTNING"}, {"flood", "FLASH_FLOOD"}, {"wind", "HIGH_WIND"},
		{"heat", "EXTREME_HEAT"}, {"winter", "WINTER_STORM"}, {"blizzard", "WINTER_STORM"}, {"ice", "WINTER_STORM"},
		{"snow", "WINTER_STORM"}, {"smoke", "WILDFIRE_SMOKE"}, {"fire", "WILDFIRE_SMOKE"},
	} {
		if strings.Contains(e, m.word) {
			return m.typ
		}
	}
	return "OTHER"
}

// severity maps an NWS event name's product (Warning, Watch, Advisory, Emergency) to
// WeatherSeverity, else CAP's severity (Extreme → EMERGENCY, Severe → WARNING).
func severity(event, capSeverity string) string {
	e := strings.ToLower(event)
	switch {
	case strings.HasSuffix(e, "emergency"):
		return "EMERGENCY"
	case strings.HasSuffix(e, "warning"):
		return "WARNING"
	case strings.HasSuffix(e, "watch"):
		return "WATCH"
	case strings.HasSuffix(e, "advisory"), strings.HasSuffix(e, "statement"):
		return "ADVISORY"
	}
	switch capSeverity {
	case "Extreme":
		return "EMERGENCY"
	case "Severe":
		return "WARNING"
	case "Moderate", "Minor":
		return "ADVISORY"
	}
	return "UNKNOWN"
}

// alertsInForce are the active (latest, uncancelled, unexpired) messages of the chains told
// at location.
func alertsInForce(ctx context.Context, tx pgx.Tx, location string, now time.Time) ([]activeAlert, error) {
	rows, err := tx.Query(ctx, `SELECT alert_type, severity, headline, effective, expires FROM weather.alert_history
		WHERE status = 'active' AND expires > $2
		  AND chain_id IN (SELECT chain_id FROM weather.alert_notices WHERE location_id = $1)
		ORDER BY sent`, location, now)
	if err != nil {
		return nil, fmt.Errorf("weather: alerts at %s: %w", location, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (activeAlert, error) {
		var al activeAlert
		return al, r.Scan(&al.Type, &al.Severity, &al.Headline, &al.Effective, &al.Expires)
	})
}
