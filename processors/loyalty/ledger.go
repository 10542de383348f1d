package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Entry kinds of the ledger.
const (
	KindEarn    = "earn"
	KindRedeem  = "redeem"
	KindExpire  = "expire"
	KindAdjust  = "adjust"
	KindReverse = "reverse"
)

// Member is a member document (the tags name its fields in Couchbase's).
type Member struct {
	GuestID          string    `json:"guest_id"`
	Tier             string    `json:"tier"`
	Balance          int64     `json:"balance"`
	QualifyingPoints int64     `json:"qualifying_points"`
	TierSince        time.Time `json:"tier_since"`
	EnrolledAt       time.Time `json:"enrolled_at"`
	// EnrolledBy is "registration" (guest.registered) or "profile" (read from
	// svc-guest-profiles when points arrived first).
	EnrolledBy string `json:"enrolled_by"`
	// Profile are the guest's attributes as svc-guest-profiles gave them.
	Profile   json.RawMessage `json:"profile"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// Entry is one ledger entry: a change of a member's balance and its cause.
type Entry struct {
	ID           uuid.UUID
	Seq          int64
	GuestID      string
	Kind         string
	Points       int64
	BalanceAfter int64
	// Source is the cause, unique per member and kind: the event id of an earning, the
	// redemption id of a redemption or its cancellation, the staff request of an adjustment.
	Source        string
	SourceEventID *string
	ReservationID *string
	RedemptionID  *string
	// Reverses is the entry this one compensates.
	Reverses   *uuid.UUID
	Reason     string
	Detail     map[string]any
	OccurredAt time.Time
	RecordedAt time.Time
	// ExpiresOn is when the lot a credit opens expires; nil for a credit that puts points
	// back into the lots they were drawn from (a cancelled redemption).
	ExpiresOn *time.Time
}

// Reward is a catalog entry.
type Reward struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	PointsCost    int64           `json:"points_cost"`
	ValueAmount   *string         `json:"value_amount,omitempty"`
	ValueCurrency *string         `json:"value_currency,omitempty"`
	Active        bool            `json:"active"`
	Details       json.RawMessage `json:"details"`
}

// Redemption is a reward a member spent points on (and, as it is, a Couchbase document).
type Redemption struct {
	ID            uuid.UUID       `json:"id"`
	GuestID       string          `json:"guest_id"`
	RewardID      string          `json:"reward_id"`
	Points        int64           `json:"points"`
	ReservationID *string         `json:"reservation_id,omitempty"`
	Status        string          `json:"status"`
	Caller        string          `json:"caller"`
	Reward        json.RawMessage `json:"reward"`
	CreatedAt     time.Time       `json:"created_at"`
	CancelledAt   *time.Time      `json:"cancelled_at,omitempty"`
}

// Draw says where a debit takes its points from.
type Draw struct {
	// First is a lot to take from before the others (a reversal takes the reversed earning's
	// own lot first); nil: none.
	First *uuid.UUID
	// Overdraw lets the debit take more than the lots hold, leaving a negative balance that
	// later credits pay off: only a reversal of points already spent (see README.md).
	Overdraw bool
}

// ErrDuplicate is Post's answer for an entry whose cause (member, kind, source) is booked
// already: the caller's operation happened before.
var ErrDuplicate = errors.New("loyalty: this cause is booked already")

// ErrInsufficient is Post's answer for a debit the member's lots cannot cover.
var ErrInsufficient = errors.New("loyalty: not enough points")

// Ledger is the store port: everything the service keeps, in the transaction Tx of the
// engine behind it: PostgreSQL (pgLedger, Tx = a pgx transaction or pool) or Couchbase
// (cbLedger, Tx = a transaction attempt; couchbase_ledger.go). Every write of a member's balance happens in
// Post, under the member's lock (Lock), so entries and balance never disagree.
type Ledger[Tx any] interface {
	// Enrol creates the member, or merges the profile into an existing one (the
	// registration's attributes win); created says which.
	Enrol(ctx context.Context, tx Tx, m Member) (created bool, err error)
	// Lock returns the member locked until tx ends; nil when not enrolled.
	Lock(ctx context.Context, tx Tx, guestID string) (*Member, error)
	// LockAll locks the enrolled members among guestIDs in guest id order, so that
	// transactions locking several members (a consumer batch, a worker round) always
	// take them in one order and cannot deadlock, and returns them by guest id.
	LockAll(ctx context.Context, tx Tx, guestIDs []string) (map[string]*Member, error)
	// Member reads a member without locking; nil when not enrolled.
	Member(ctx context.Context, tx Tx, guestID string) (*Member, error)
	// Post books e for the locked member m and updates m.Balance: a credit opens a lot
	// (paying off a negative balance first) or restores the lots of the entry it reverses;
	// a debit draws from the lots that expire first, as d says.
	Post(ctx context.Context, tx Tx, m *Member, e Entry, d Draw) (Entry, error)
	// Earnings are the unreversed earnings of the reservations, by reservation id (one
	// each at most: the service books one per reservation).
	Earnings(ctx context.Context, tx Tx, reservationIDs []string) (map[string]*Entry, error)
	// Requalify stores, and returns, the locked member's qualifying points: the sum of
	// their unreversed earnings that occurred after since.
	Requalify(ctx context.Context, tx Tx, m *Member, since, at time.Time) (int64, error)
	// SetTier moves the locked member to tier.
	SetTier(ctx context.Context, tx Tx, m *Member, tier string, at time.Time) error
	// Rules is the earning rule table; Ladder the tiers; Rewards the catalog.
	Rules(ctx context.Context, tx Tx) ([]Rule, error)
	Ladder(ctx context.Context, tx Tx) (Ladder, error)
	Rewards(ctx context.Context, tx Tx, activeOnly bool) ([]Reward, error)
	Reward(ctx context.Context, tx Tx, id string) (*Reward, error)
	// AddRedemption stores a new redemption; LockRedemption reads one locked; nil when
	// unknown. CancelRedemption marks it cancelled.
	AddRedemption(ctx context.Context, tx Tx, r Redemption) error
	LockRedemption(ctx context.Context, tx Tx, id uuid.UUID) (*Redemption, error)
	CancelRedemption(ctx context.Context, tx Tx, id uuid.UUID, at time.Time) error
	// Transactions pages the member's entries newest first, after the entry seq (0: from
	// the newest).
	Transactions(ctx context.Context, tx Tx, guestID string, before int64, limit int) ([]Entry, error)
	// ExpiringLots are the members with points in lots expired on day, up to limit.
	ExpiringMembers(ctx context.Context, tx Tx, day time.Time, limit int) ([]string, error)
	// ExpiredLots are the locked member's lots with points left that expired on day.
	ExpiredLots(ctx context.Context, tx Tx, guestID string, day time.Time) ([]Lot, error)
	// TierCandidates are members whose stored qualifying points differ from a fresh
	// calculation over the window after since, up to limit (the window moved).
	TierCandidates(ctx context.Context, tx Tx, since time.Time, limit int) ([]string, error)
}

// Lot is what is left of one credit.
type Lot struct {
	EntryID   uuid.UUID
	ExpiresOn time.Time
	Remaining int64
}

// EarningBatcher is what a Ledger may also offer to book a consumer batch's earnings
// set-based: the consumer checks for it by type assertion and, when the store has it,
// books the earnings of a batch in memory (balances, lots, qualifying points and tiers in
// event order, exactly as Post and Requalify would one by one) and writes them with
// PostEarnings in a few statements; a store without it gets Post per earning.
type EarningBatcher[Tx any] interface {
	// Qualifying is what Requalify would store for each of the guests now, without
	// storing it: the sum of their unreversed earnings that occurred after since, by guest
	// id (a member without any is absent).
	Qualifying(ctx context.Context, tx Tx, guestIDs []string, since time.Time) (map[string]int64, error)
	// PostEarnings writes es, earnings opening lots whose BalanceAfter the caller set, in
	// order, and the documents of the locked members they changed as they are now (balance,
	// qualifying points, tier, tier since, updated at). ErrDuplicate when any of the
	// earnings' causes is booked already (nothing is then to be committed).
	PostEarnings(ctx context.Context, tx Tx, es []StagedEarning, members []*Member) error
}

// StagedEarning is a credit opening a lot, booked by EarningBatcher.PostEarnings: the entry and
// the points its lot opens with (what is left after paying off a negative balance).
type StagedEarning struct {
	Entry
	LotPoints int64
}
