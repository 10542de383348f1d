package intake

import (
	"strings"

	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/schemas"
)

// recipient is one person or group to notify.
type recipient struct {
	// Type is the RecipientType symbol (GUEST, GUIDE, STAFF, ...).
	Type string
	// ID is the guest, guide, staff or partner id; empty for a group or bare contact details.
	ID string
	// Group names a group the delivery stage expands (e.g. "operations-staff").
	Group string
	// Email and Phone are explicit contact details from a request.
	Email, Phone string
}

// key identifies the recipient in the notifications unique key.
func (r recipient) key() string {
	switch {
	case r.ID != "":
		return r.Type + ":" + r.ID
	case r.Group != "":
		return "group:" + r.Group
	case r.Email != "":
		return "email:" + r.Email
	default:
		return "phone:" + r.Phone
	}
}

// address is the explicit address on ch, or nil when the delivery stage must look it up
// from the recipient id (profiles, device tokens) or expand the group.
func (r recipient) address(ch provider.Channel) *string {
	var a string
	switch ch {
	case provider.Email:
		a = r.Email
	case provider.SMS:
		a = r.Phone
	}
	if a == "" {
		return nil
	}
	return &a
}

// preferenceKey is the id preferences are stored under: the recipient id, else the explicit
// address; "" for groups, which have no preferences of their own.
func (r recipient) preferenceKey() string {
	switch {
	case r.ID != "":
		return r.ID
	case r.Group != "":
		return ""
	case r.Email != "":
		return r.Email
	default:
		return r.Phone
	}
}

// groupRecipient maps a "group:" source to its recipient.
func groupRecipient(s Source) (recipient, bool) {
	name, ok := strings.CutPrefix(string(s), "group:")
	if !ok {
		return recipient{}, false
	}
	typ := "STAFF"
	switch s {
	case SourceParkRangers:
		typ = "PARK_RANGER"
	case SourceRescueTeam:
		typ = "RESCUE_TEAM"
	case SourceActiveGuides:
		typ = "GUIDE"
	}
	return recipient{Type: typ, Group: name}, true
}

// fields are the recipient-bearing fields of an event, by source.
type fields map[Source][]recipient

// resolve returns the recipients of sources, in order, without duplicates.
func (f fields) resolve(sources []Source) []recipient {
	var out []recipient
	seen := map[string]bool{}
	add := func(r recipient) {
		if k := r.key(); !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	for _, s := range sources {
		if g, ok := groupRecipient(s); ok {
			add(g)
			continue
		}
		for _, r := range f[s] {
			add(r)
		}
	}
	return out
}

func people(typ string, ids ...string) []recipient {
	out := make([]recipient, 0, len(ids))
	for _, id := range ids {
		if id != "" {
			out = append(out, recipient{Type: typ, ID: id})
		}
	}
	return out
}

// requestRecipients converts a request's recipients; entries with neither id nor contact
// details are skipped.
func requestRecipients(rs []schemas.Recipient) []recipient {
	var out []recipient
	seen := map[string]bool{}
	for _, r := range rs {
		rc := recipient{Type: r.RecipientType, ID: deref(r.RecipientID), Email: deref(r.Email), Phone: deref(r.Phone)}
		if rc.ID == "" && rc.Email == "" && rc.Phone == "" {
			continue
		}
		if k := rc.key(); !seen[k] {
			seen[k] = true
			out = append(out, rc)
		}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
