package nws

import (
	"context"
	"fmt"
	"time"
)

// Alert is one CAP message among the active alerts. Its identity is Sender + Identifier;
// an Update or Cancel names the messages it replaces in References.
type Alert struct {
	Identifier  string      `json:"identifier"`
	Sender      string      `json:"sender"`
	MessageType string      `json:"message_type"`
	References  []Reference `json:"references"`
	Event       string      `json:"event"`
	Severity    string      `json:"severity"`
	Headline    string      `json:"headline"`
	Description string      `json:"description"`
	Sent        time.Time   `json:"sent"`
	Effective   time.Time   `json:"effective"`
	Expires     time.Time   `json:"expires"`
	// Ring is the alert's polygon as [lon, lat] pairs; empty when it is zone-based.
	Ring [][]float64 `json:"ring,omitempty"`
}

// Reference names an earlier CAP message.
type Reference struct {
	Identifier string `json:"identifier"`
	Sender     string `json:"sender"`
}

// alertsBody is the API's active alerts document.
type alertsBody struct {
	Features []struct {
		Geometry *struct {
			Type        string        `json:"type"`
			Coordinates [][][]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties struct {
			ID          string      `json:"id"`
			Sender      string      `json:"sender"`
			MessageType string      `json:"messageType"`
			References  []Reference `json:"references"`
			Event       string      `json:"event"`
			Severity    string      `json:"severity"`
			Headline    *string     `json:"headline"`
			Description string      `json:"description"`
			Sent        time.Time   `json:"sent"`
			Effective   time.Time   `json:"effective"`
			Expires     time.Time   `json:"expires"`
		} `json:"properties"`
	} `json:"features"`
}

// ActiveAlerts lists the active alerts at (lat, lon).
func (c *Client) ActiveAlerts(ctx context.Context, lat, lon float64) ([]Alert, error) {
	var body alertsBody
	if _, err := c.get(ctx, "/alerts/active?point="+coord(lat)+","+coord(lon), &body); err != nil {
		return nil, err
	}
	return body.alerts()
}

// alerts checks every message's identity, type, times and references, and the polygon's
// positions: one bad message refuses the whole answer, so a half-read poll never records
// half a chain.
func (body *alertsBody) alerts() ([]Alert, error) {
	var out []Alert
	for _, f := range body.Features {
		p := f.Properties
		switch {
		case p.ID == "" || p.Sender == "":
			return nil, fmt.Errorf("%w: an alert without identifier or sender", ErrMalformed)
		case p.MessageType != "Alert" && p.MessageType != "Update" && p.MessageType != "Cancel":
			return nil, fmt.Errorf("%w: alert %s: messageType %q", ErrMalformed, p.ID, p.MessageType)
		case p.Sent.IsZero() || p.Expires.IsZero():
			return nil, fmt.Errorf("%w: alert %s: no sent or expires time", ErrMalformed, p.ID)
		}
		for _, r := range p.References {
			if r.Identifier == "" || r.Sender == "" {
				return nil, fmt.Errorf("%w: alert %s: a reference without identifier or sender", ErrMalformed, p.ID)
			}
		}
		a := Alert{Identifier: p.ID, Sender: p.Sender, MessageType: p.MessageType, References: p.References, Event: p.Event,
			Severity: p.Severity, Description: p.Description, Sent: p.Sent.UTC(), Effective: p.Effective.UTC(), Expires: p.Expires.UTC()}
		if a.Effective.IsZero() {
			a.Effective = a.Sent
		}
		if p.Headline != nil {
			a.Headline = *p.Headline
		}
		if f.Geometry != nil && f.Geometry.Type == "Polygon" && len(f.Geometry.Coordinates) > 0 {
			for _, v := range f.Geometry.Coordinates[0] {
				if len(v) < 2 || v[0] < -180 || v[0] > 180 || v[1] < -90 || v[1] > 90 {
					return nil, fmt.Errorf("%w: alert %s: a polygon position outside the globe", ErrMalformed, p.ID)
				}
			}
			a.Ring = f.Geometry.Coordinates[0]
		}
		out = append(out, a)
	}
	return out, nil
}
