package nwsfake

import (
	"math"
	"net/http"
	"time"
)

// Alert is one CAP message as the API lists it among the active alerts. It applies to the
// points within RadiusKm of (Lat, Lon); its geometry is the square around that circle.
type Alert struct {
	// Identifier and Sender are the CAP identity of the message.
	Identifier, Sender string
	// MessageType is Alert, Update or Cancel.
	MessageType string
	// References are the messages an Update or Cancel replaces.
	References []Reference
	// Event is the NWS event name, e.g. "Severe Thunderstorm Warning".
	Event string
	// Severity is Extreme, Severe, Moderate, Minor or Unknown.
	Severity, Headline, Description string
	Sent, Effective, Expires        time.Time
	Lat, Lon, RadiusKm              float64
}

// Reference names an earlier CAP message.
type Reference struct {
	Identifier, Sender string
	Sent               time.Time
}

func (s *Server) activeAlerts(_ http.ResponseWriter, r *http.Request) (any, int) {
	var lat, lon float64
	filter := r.URL.Query().Get("point") != ""
	if filter {
		var err error
		if lat, lon, err = parsePoint(r.URL.Query().Get("point")); err != nil {
			return err.Error(), http.StatusBadRequest
		}
	}
	s.mu.Lock()
	alerts := append([]Alert(nil), s.alerts...)
	if s.storms != nil {
		if a, ok := s.storms.stormAt(s.now()); ok {
			alerts = append(alerts, a)
		}
	}
	s.mu.Unlock()
	features := []any{}
	for _, a := range alerts {
		if filter && distanceKm(lat, lon, a.Lat, a.Lon) > a.RadiusKm {
			continue
		}
		features = append(features, a.feature(r.Host))
	}
	return map[string]any{"type": "FeatureCollection", "title": "Current watches, warnings, and advisories",
		"updated": s.clock().UTC().Format(time.RFC3339), "features": features}, http.StatusOK
}

func (a Alert) feature(host string) map[string]any {
	refs := []any{}
	for _, ref := range a.References {
		refs = append(refs, map[string]any{"@id": "http://" + host + "/alerts/" + ref.Identifier,
			"identifier": ref.Identifier, "sender": ref.Sender, "sent": ref.Sent.Format(time.RFC3339)})
	}
	dLat := a.RadiusKm / 111.0
	dLon := dLat / math.Max(math.Cos(a.Lat*math.Pi/180), 0.01)
	ring := [][]float64{{a.Lon - dLon, a.Lat - dLat}, {a.Lon + dLon, a.Lat - dLat}, {a.Lon + dLon, a.Lat + dLat},
		{a.Lon - dLon, a.Lat + dLat}, {a.Lon - dLon, a.Lat - dLat}}
	return map[string]any{
		"id": "http://" + host + "/alerts/" + a.Identifier, "type": "Feature",
		"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}},
		"properties": map[string]any{
			"@id": "http://" + host + "/alerts/" + a.Identifier, "@type": "wx:Alert",
			"id": a.Identifier, "areaDesc": "NovaTrek fake area", "references": refs,
			"sent": a.Sent.Format(time.RFC3339), "effective": a.Effective.Format(time.RFC3339),
			"onset": a.Effective.Format(time.RFC3339), "expires": a.Expires.Format(time.RFC3339),
			"ends": a.Expires.Format(time.RFC3339), "status": "Actual", "messageType": a.MessageType,
			"category": "Met", "severity": a.Severity, "certainty": "Likely", "urgency": "Immediate",
			"event": a.Event, "sender": a.Sender, "senderName": "NWS NovaTrek Fake Office",
			"headline": a.Headline, "description": a.Description, "instruction": nil, "response": "Execute",
		},
	}
}

// distanceKm is the great-circle distance between two points.
func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := (lat2-lat1)*math.Pi/180, (lon2-lon1)*math.Pi/180
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}
