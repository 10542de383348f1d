package loyalty

import (
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/google/uuid"
)

// The documents of scope loyalty. A member document carries its open lots (what is left of
// each credit, with its expiry day), so a debit reads and rewrites one document: the lots
// and the balance change together with the entry in one transaction. A debit's entry
// carries its draws (which lot gave how much, with that lot's expiry day), so a cancelled
// redemption can put the points back even into a lot emptied and dropped since.

// cbDay is the layout of expiry days: ISO dates compare as strings, in N1QL and in Go.
const cbDay = time.DateOnly

// cbMemberDoc is a document of collection members, keyed by guest id: the member, the seq
// of their newest entry (entries are numbered per member) and their open lots.
type cbMemberDoc struct {
	Member
	Seq  int64   `json:"seq"`
	Lots []cbLot `json:"lots"`
}

// cbLot is an open lot: only lots with points left are kept.
type cbLot struct {
	EntryID   uuid.UUID `json:"entry_id"`
	ExpiresOn string    `json:"expires_on"`
	Remaining int64     `json:"remaining"`
}

// cbEntryDoc is a document of collection point_transactions, keyed by its cause (cbEntryKey).
type cbEntryDoc struct {
	ID            uuid.UUID      `json:"id"`
	Seq           int64          `json:"seq"`
	GuestID       string         `json:"guest_id"`
	Kind          string         `json:"kind"`
	Points        int64          `json:"points"`
	BalanceAfter  int64          `json:"balance_after"`
	Source        string         `json:"source"`
	SourceEventID *string        `json:"source_event_id,omitempty"`
	ReservationID *string        `json:"reservation_id,omitempty"`
	RedemptionID  *string        `json:"redemption_id,omitempty"`
	Reverses      *uuid.UUID     `json:"reverses,omitempty"`
	Reason        string         `json:"reason,omitempty"`
	Detail        map[string]any `json:"detail"`
	OccurredAt    time.Time      `json:"occurred_at"`
	// OccurredUS is OccurredAt in Unix microseconds (PostgreSQL's precision), what the
	// window aggregation compares: exact in a JSON number until the year 2255.
	OccurredUS int64     `json:"occurred_us"`
	RecordedAt time.Time `json:"recorded_at"`
	ExpiresOn  *string   `json:"expires_on,omitempty"`
	Draws      []cbDraw  `json:"draws,omitempty"`
}

// cbDraw is what a debit took from one lot.
type cbDraw struct {
	LotID     uuid.UUID `json:"lot_id"`
	ExpiresOn string    `json:"expires_on"`
	Points    int64     `json:"points"`
}

// cbEntryKey names an entry by its cause, so that booking the same cause twice is an
// insert of an existing key: the duplicate check costs no query and no index.
func cbEntryKey(guestID, kind, source string) string { return guestID + "::" + kind + "::" + source }

// cbRuleDoc is a document of collection earning_rules: the numbers as decimal strings.
type cbRuleDoc struct {
	ID            string  `json:"id"`
	Kind          string  `json:"kind"`
	Currency      string  `json:"currency,omitempty"`
	PointsPerUnit *string `json:"points_per_unit,omitempty"`
	TripType      string  `json:"trip_type,omitempty"`
	Multiplier    string  `json:"multiplier"`
	Bonus         int64   `json:"bonus,omitempty"`
	ValidFrom     *string `json:"valid_from,omitempty"`
	ValidTo       *string `json:"valid_to,omitempty"`
}

func newCBEntry(e Entry) cbEntryDoc {
	d := cbEntryDoc{ID: e.ID, Seq: e.Seq, GuestID: e.GuestID, Kind: e.Kind, Points: e.Points, BalanceAfter: e.BalanceAfter,
		Source: e.Source, SourceEventID: e.SourceEventID, ReservationID: canonicalID(e.ReservationID),
		RedemptionID: canonicalID(e.RedemptionID), Reverses: e.Reverses, Reason: e.Reason, Detail: orEmpty(e.Detail),
		OccurredAt: e.OccurredAt.UTC(), OccurredUS: e.OccurredAt.UnixMicro(), RecordedAt: e.RecordedAt.UTC()}
	if e.ExpiresOn != nil {
		on := e.ExpiresOn.UTC().Format(cbDay)
		d.ExpiresOn = &on
	}
	return d
}

func (d cbEntryDoc) entry() Entry {
	return Entry{ID: d.ID, Seq: d.Seq, GuestID: d.GuestID, Kind: d.Kind, Points: d.Points, BalanceAfter: d.BalanceAfter,
		Source: d.Source, SourceEventID: d.SourceEventID, ReservationID: d.ReservationID, RedemptionID: d.RedemptionID,
		Reverses: d.Reverses, Reason: d.Reason, Detail: d.Detail, OccurredAt: d.OccurredAt, RecordedAt: d.RecordedAt}
}

func (d cbRuleDoc) rule() (Rule, error) {
	r := Rule{ID: d.ID, Kind: d.Kind, Currency: d.Currency, TripType: d.TripType, Bonus: d.Bonus}
	var ok bool
	if r.Multiplier, ok = new(big.Rat).SetString(d.Multiplier); !ok {
		return r, fmt.Errorf("loyalty: earning rule %s: multiplier %q is not a decimal", d.ID, d.Multiplier)
	}
	if d.PointsPerUnit != nil {
		if r.PointsPerUnit, ok = new(big.Rat).SetString(*d.PointsPerUnit); !ok {
			return r, fmt.Errorf("loyalty: earning rule %s: points_per_unit %q is not a decimal", d.ID, *d.PointsPerUnit)
		}
	}
	for _, f := range []struct {
		from *string
		to   **time.Time
	}{{d.ValidFrom, &r.ValidFrom}, {d.ValidTo, &r.ValidTo}} {
		if f.from == nil {
			continue
		}
		t, err := time.Parse(cbDay, *f.from)
		if err != nil {
			return r, fmt.Errorf("loyalty: earning rule %s: %w", d.ID, err)
		}
		*f.to = &t
	}
	return r, nil
}

// canonicalID writes a UUID the way PostgreSQL's uuid type gives it back (lower case), so
// that ids compare equal in N1QL whatever case the events carried them in.
func canonicalID(id *string) *string {
	if id == nil {
		return nil
	}
	if u, err := uuid.Parse(*id); err == nil {
		s := u.String()
		return &s
	}
	return id
}

// mergeProfile merges the attributes of two profiles, those of over winning.
func mergeProfile(base, over json.RawMessage) (json.RawMessage, error) {
	merged := map[string]json.RawMessage{}
	for _, p := range []json.RawMessage{base, over} {
		if len(p) == 0 {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(p, &m); err != nil {
			return nil, fmt.Errorf("loyalty: a profile is not a JSON object: %w", err)
		}
		for k, v := range m {
			merged[k] = v
		}
	}
	return json.Marshal(merged)
}
