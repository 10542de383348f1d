package preference

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
	_ "time/tzdata" // IANA zones even on hosts without /usr/share/zoneinfo (distroless images)

	"github.com/novatrek/support/processors/notifications/provider"
)

// DefaultTimeZone is the zone of quiet hours when neither the preferences nor the
// recipient's contact name one.
const DefaultTimeZone = "UTC"

// Preferences are one recipient's choices. The zero value plus a RecipientID is the default:
// every channel and category allowed, no quiet hours, no zone of their own.
type Preferences struct {
	RecipientID string `json:"recipient_id"`
	// TimeZone is the recipient's IANA zone, e.g. "America/Denver"; quiet hours are in it.
	// "" means none set here: the intake then uses the zone of the recipient's contact
	// (contacts.time_zone), else DefaultTimeZone (see WithZone).
	TimeZone string `json:"time_zone"`
	// QuietHours is nil when the recipient has none.
	QuietHours *QuietHours `json:"quiet_hours,omitempty"`
	// OptedOutChannels are channels the recipient does not want (except safety-critical).
	OptedOutChannels []provider.Channel `json:"opted_out_channels"`
	// OptedOutCategories are categories the recipient does not want; never safety-critical ones.
	OptedOutCategories []Category `json:"opted_out_categories"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// QuietHours is a local wall-clock window [Start, End); Start after End wraps midnight.
type QuietHours struct {
	Start Clock `json:"start"`
	End   Clock `json:"end"`
}

// Clock is a local time of day as minutes after midnight (0-1439).
type Clock int

// At returns the Clock h:m.
func At(h, m int) Clock { return Clock(h*60 + m) }

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// MarshalText writes "HH:MM".
func (c Clock) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads "HH:MM" (24-hour).
func (c *Clock) UnmarshalText(b []byte) error {
	t, err := time.Parse("15:04", string(b))
	if err != nil {
		return fmt.Errorf("preference: clock %q: want HH:MM", b)
	}
	*c = At(t.Hour(), t.Minute())
	return nil
}

// Validate checks p as Put would: a known time zone, a proper quiet-hours window, known
// channels and categories, and no opt-out of a safety-critical category.
func (p Preferences) Validate() error {
	if p.RecipientID == "" {
		return errors.New("preference: empty recipient id")
	}
	if _, err := location(p.TimeZone); err != nil {
		return err
	}
	if q := p.QuietHours; q != nil {
		if q.Start < 0 || q.Start >= 1440 || q.End < 0 || q.End >= 1440 {
			return fmt.Errorf("preference: quiet hours %s-%s out of range", q.Start, q.End)
		}
		if q.Start == q.End {
			return fmt.Errorf("preference: quiet hours start and end are both %s", q.Start)
		}
	}
	for _, ch := range p.OptedOutChannels {
		switch ch {
		case provider.Email, provider.SMS, provider.Push, provider.InApp:
		default:
			return fmt.Errorf("preference: unknown channel %q", ch)
		}
	}
	for _, c := range p.OptedOutCategories {
		if err := c.validate(); err != nil {
			return err
		}
		if BypassesPreferences(c) {
			return fmt.Errorf("preference: category %q is safety-critical and cannot be opted out of", c)
		}
	}
	return nil
}

// WithZone returns p with zone as its time zone when p names none; p's own zone wins. The
// intake passes the recipient's contact zone, so quiet hours run in the zone the contact
// directory knows rather than in DefaultTimeZone.
func (p Preferences) WithZone(zone string) Preferences {
	if p.TimeZone == "" && zone != "" {
		p.TimeZone = zone
	}
	return p
}

func (p Preferences) optedOutOf(ch provider.Channel) bool {
	return slices.Contains(p.OptedOutChannels, ch)
}

func (p Preferences) optedOutOfCategory(c Category) bool {
	return slices.Contains(p.OptedOutCategories, c)
}

var zones sync.Map // name → *time.Location; LoadLocation parses tzdata on every call

// location loads an IANA zone; "" means DefaultTimeZone. "Local" is refused: it depends on
// the server, not the recipient.
func location(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTimeZone
	}
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	if name == "Local" {
		return nil, errors.New("preference: time zone \"Local\" is not a recipient's zone")
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("preference: unknown time zone %q: %w", name, err)
	}
	zones.Store(name, l)
	return l, nil
}

// CheckTimeZone reports whether name is an IANA zone a recipient may have ("" is the
// default, DefaultTimeZone; "Local" is refused); other packages validate contacts with it.
func CheckTimeZone(name string) error {
	_, err := location(name)
	return err
}
