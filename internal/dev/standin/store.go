package standin

import (
	"sync"
	"time"

	"github.com/novatrek/support/schemas"
)

// Reservation is what the svc-reservations stand-in answers for one reservation.
type Reservation struct {
	ReservationID string `json:"reservation_id"`
	GuestID       string `json:"guest_id"`
	TripID        string `json:"trip_id"`
	// TripType is the kind of trip svc-loyalty-rewards' rules multiply by ("day",
	// "multi_day", "expedition"): no event carries it, so the answer takes it from the
	// simulated catalog (simulate.TripType); omitted for a trip the catalog does not know.
	TripType      string     `json:"trip_type,omitempty"`
	DepartureID   string     `json:"departure_id,omitempty"`
	DepartureDate string     `json:"departure_date"`
	PartySize     int        `json:"party_size,omitempty"`
	Status        string     `json:"status"`
	TotalPrice    *Money     `json:"total_price,omitempty"`
	CheckedIn     bool       `json:"checked_in"`
	CheckedInAt   *time.Time `json:"checked_in_at,omitempty"`
	// CreatedAt is when reservation.created happened; nil while only later events were seen.
	CreatedAt *time.Time `json:"created_at,omitempty"`
	UpdatedAt time.Time  `json:"updated_at"`

	statusAt time.Time // occurred-at of the event that set Status
}

// Money is an amount as a decimal string and its currency.
type Money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// Guest is what the svc-guest-profiles stand-in answers for one guest.
type Guest struct {
	GuestID           string    `json:"guest_id"`
	FirstName         string    `json:"first_name"`
	LastName          string    `json:"last_name"`
	Email             string    `json:"email"`
	Phone             *string   `json:"phone,omitempty"`
	CountryCode       *string   `json:"country_code,omitempty"`
	PreferredLanguage string    `json:"preferred_language"`
	MarketingOptIn    bool      `json:"marketing_opt_in"`
	RegisteredAt      time.Time `json:"registered_at"`
}

// Store holds what the stand-ins learned from the topics. Safe for concurrent use.
type Store struct {
	mu           sync.RWMutex
	reservations map[string]*Reservation
	guests       map[string]*Guest
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{reservations: map[string]*Reservation{}, guests: map[string]*Guest{}}
}

// Reservation returns a copy of the reservation, or false if it was never published.
func (s *Store) Reservation(id string) (Reservation, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.reservations[id]
	if !ok {
		return Reservation{}, false
	}
	return *r, true
}

// Guest returns a copy of the guest, or false if it never registered.
func (s *Store) Guest(id string) (Guest, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := s.guests[id]
	if !ok {
		return Guest{}, false
	}
	return *g, true
}

// reservation returns the entry of id, creating an empty one: the topics are consumed
// independently, so a status change or check-in may arrive before its reservation.created.
func (s *Store) reservation(id string) *Reservation {
	r, ok := s.reservations[id]
	if !ok {
		r = &Reservation{ReservationID: id}
		s.reservations[id] = r
	}
	return r
}

// Apply folds one decoded event into the store; events of other types are ignored.
func (s *Store) Apply(ev schemas.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch v := ev.(type) {
	case *schemas.GuestRegistered:
		s.guests[v.GuestID] = &Guest{
			GuestID: v.GuestID, FirstName: v.FirstName, LastName: v.LastName, Email: v.Email, Phone: v.Phone,
			CountryCode: v.CountryCode, PreferredLanguage: v.PreferredLanguage, MarketingOptIn: v.MarketingOptIn,
			RegisteredAt: v.Metadata.OccurredAt.UTC(),
		}
	case *schemas.ReservationCreated:
		r := s.reservation(v.ReservationID)
		at := v.Metadata.OccurredAt.UTC()
		r.GuestID, r.TripID, r.DepartureID = v.GuestID, v.TripID, v.DepartureID
		r.DepartureDate, r.PartySize, r.CreatedAt = v.DepartureDate.Format(time.DateOnly), v.PartySize, &at
		if v.TotalPrice.Amount != nil {
			r.TotalPrice = &Money{Amount: v.TotalPrice.Amount.FloatString(2), Currency: v.TotalPrice.Currency}
		}
		s.setStatus(r, v.Status, at)
	case *schemas.ReservationStatusChanged:
		r := s.reservation(v.ReservationID)
		if r.GuestID == "" {
			r.GuestID, r.TripID, r.DepartureDate = v.GuestID, v.TripID, v.DepartureDate.Format(time.DateOnly)
		}
		s.setStatus(r, v.NewStatus, v.Metadata.OccurredAt.UTC())
	case *schemas.CheckinCompleted:
		r := s.reservation(v.ReservationID)
		if r.GuestID == "" {
			r.GuestID, r.TripID = v.GuestID, v.TripID
		}
		at := v.CheckedInAt.UTC()
		r.CheckedIn, r.CheckedInAt = true, &at
		r.UpdatedAt = laterOf(r.UpdatedAt, v.Metadata.OccurredAt.UTC())
	}
}

// setStatus keeps the status of the latest event: a created event read after a status
// change of the same reservation (another topic) does not turn it back to PENDING.
func (s *Store) setStatus(r *Reservation, status string, at time.Time) {
	if r.Status == "" || !at.Before(r.statusAt) {
		r.Status, r.statusAt = status, at
	}
	r.UpdatedAt = laterOf(r.UpdatedAt, at)
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
