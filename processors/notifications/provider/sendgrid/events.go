package sendgrid

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/novatrek/support/processors/notifications/provider"
)

// Event is one entry of an Event Webhook post.
type Event struct {
	// Event is SendGrid's event type: processed, deferred, delivered, open, click, bounce,
	// dropped, spamreport, unsubscribe, group_unsubscribe, group_resubscribe.
	Event string
	// Email is the recipient.
	Email string
	// Timestamp is when the event happened.
	Timestamp time.Time
	// SGEventID identifies the event; SendGrid may post the same event twice.
	SGEventID string
	// SGMessageID identifies the message: the send's X-Message-Id followed by a suffix.
	SGMessageID string
	// Reason explains a bounce, drop or deferral.
	Reason string
	// Status is the SMTP status of a bounce, e.g. "5.1.1".
	Status string
	// Response is the receiving server's answer (delivered, deferred).
	Response string
	// Type distinguishes a bounce ("bounce") from a block ("blocked").
	Type string
	// Ref is our Message.ID (custom arg RefArg), when the message was sent by Client.
	Ref string
	// CustomArgs are the message's other custom args (and any other top-level string
	// fields SendGrid added that this struct does not name).
	CustomArgs map[string]string
}

// known lists the top-level fields that are not custom args.
var known = map[string]bool{
	"email": true, "timestamp": true, "event": true, "sg_event_id": true, "sg_message_id": true,
	"smtp-id": true, "reason": true, "status": true, "response": true, "type": true,
	"attempt": true, "category": true, "useragent": true, "ip": true, "url": true, "tls": true,
	"cert_err": true, "asm_group_id": true, "bounce_classification": true, "url_offset": true,
	"sg_machine_open": true, "marketing_campaign_id": true, "marketing_campaign_name": true,
	"pool": true, "send_at": true, "sg_template_id": true, "sg_template_name": true,
}

// ParseEvents reads an Event Webhook body: a JSON array of event objects. It returns an
// ErrMalformedWebhook for anything else; it never panics on any input.
func ParseEvents(body []byte) ([]Event, error) {
	var raws []map[string]json.RawMessage
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '[' {
		return nil, provider.MalformedError(Name, "body is not a JSON array")
	}
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, provider.MalformedError(Name, "body is not a JSON array of objects")
	}
	events := make([]Event, 0, len(raws))
	for i, raw := range raws {
		e, err := parseEvent(raw)
		if err != nil {
			return nil, provider.MalformedError(Name, fmt.Sprintf("event %d: %v", i, err))
		}
		events = append(events, e)
	}
	return events, nil
}

func parseEvent(raw map[string]json.RawMessage) (Event, error) {
	var e Event
	str := func(key string, dst *string) error {
		v, ok := raw[key]
		if !ok || string(v) == "null" {
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("field %s is not a string", key)
		}
		return nil
	}
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"event", &e.Event}, {"email", &e.Email}, {"sg_event_id", &e.SGEventID},
		{"sg_message_id", &e.SGMessageID}, {"reason", &e.Reason}, {"response", &e.Response},
		{"type", &e.Type},
	} {
		if err := str(f.key, f.dst); err != nil {
			return Event{}, err
		}
	}
	if e.Event == "" {
		return Event{}, fmt.Errorf("no event type")
	}
	// status is a string ("5.1.1") for bounces but SendGrid has sent numbers too.
	if v, ok := raw["status"]; ok {
		e.Status = scalar(v)
	}
	if v, ok := raw["timestamp"]; ok {
		e.Timestamp = unixTime(scalar(v))
	}
	for key, v := range raw {
		if known[key] {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			continue // not a custom arg: SendGrid only sends those as strings
		}
		if key == RefArg {
			e.Ref = s
			continue
		}
		if e.CustomArgs == nil {
			e.CustomArgs = map[string]string{}
		}
		e.CustomArgs[key] = s
	}
	return e, nil
}

// scalar renders a JSON string or number as text; anything else as "".
func scalar(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}

// unixTime reads Unix seconds (an integer, or a float for sub-second precision); the zero
// time for anything else: a signed batch is not refused for an odd timestamp.
func unixTime(s string) time.Time {
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(secs, 0).UTC()
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 1e11 {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// XMessageID returns the X-Message-Id of the send the event is about: sg_message_id up to
// its ".filter…" or ".recvd-…" suffix (both formats SendGrid has used), else up to its
// first dot.
func (e Event) XMessageID() string {
	id := e.SGMessageID
	for _, sep := range []string{".filter", ".recvd-"} {
		if i := strings.Index(id, sep); i >= 0 {
			return id[:i]
		}
	}
	if i := strings.IndexByte(id, '.'); i >= 0 {
		return id[:i]
	}
	return id
}

// Update translates the event into a status update. It returns false for events that say
// nothing about delivery (click, spamreport, unsubscribe, group_*).
func (e Event) Update() (provider.StatusUpdate, bool) {
	var st provider.Status
	reason := ""
	switch e.Event {
	case "processed":
		st = provider.StatusQueued
	case "deferred":
		st, reason = provider.StatusDeferred, firstNonEmpty(e.Response, e.Reason)
	case "delivered":
		st = provider.StatusDelivered
	case "open":
		st = provider.StatusOpened
	case "bounce":
		st, reason = provider.StatusBounced, joinNonEmpty(e.Type, e.Status, e.Reason)
	case "dropped":
		st, reason = provider.StatusDropped, e.Reason
	default:
		return provider.StatusUpdate{}, false
	}
	return provider.StatusUpdate{
		Provider:          Name,
		ProviderMessageID: e.XMessageID(),
		Ref:               e.Ref,
		EventID:           e.SGEventID,
		Status:            st,
		ProviderStatus:    e.Event,
		Reason:            reason,
		At:                e.Timestamp,
	}, true
}

// Updates translates the events that say something about delivery.
func Updates(events []Event) []provider.StatusUpdate {
	out := make([]provider.StatusUpdate, 0, len(events))
	for _, e := range events {
		if u, ok := e.Update(); ok {
			out = append(out, u)
		}
	}
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func joinNonEmpty(ss ...string) string {
	var parts []string
	for _, s := range ss {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}
