package payments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/novatrek/support/internal/platform/store"
)

// Ledger accounts (ledger_accounts). Every account is kept per currency: an entry posts lines
// of one currency only.
//
//	psp_balance          asset      funds held for us at the payment provider
//	guest_deposits       liability  deposits owed back to guests on refund or chargeback
//	commission_expense   expense    commissions paid out to partners
//	disputed_funds       asset      funds the provider withdrew while a chargeback is open
//	card_authorizations  memo       amounts authorized on cards, not yet captured or voided
//	authorization_holds  memo       contra of card_authorizations
//
// Postings:
//
//	authorization   D card_authorizations      C authorization_holds       (authorized)
//	capture         D authorization_holds      C card_authorizations       (authorized; only when
//	                                                                        an authorization was open)
//	                D psp_balance              C guest_deposits            (captured)
//	void            D authorization_holds      C card_authorizations       (authorized)
//	refund          D guest_deposits           C psp_balance
//	commission      D commission_expense       C psp_balance
//	dispute opened  D disputed_funds           C psp_balance
//	dispute won     D psp_balance              C disputed_funds
//	dispute lost    D guest_deposits           C disputed_funds
const (
	acctPSP            = "psp_balance"
	acctGuestDeposits  = "guest_deposits"
	acctCommission     = "commission_expense"
	acctDisputed       = "disputed_funds"
	acctAuthorizations = "card_authorizations"
	acctHolds          = "authorization_holds"
)

// Entry kinds (journal_entries.kind).
const (
	kindAuthorization = "authorization"
	kindCapture       = "capture"
	kindVoid          = "void"
	kindRefund        = "refund"
	kindCommission    = "commission"
	kindDisputeOpened = "dispute_opened"
	kindDisputeWon    = "dispute_won"
	kindDisputeLost   = "dispute_lost"
)

const (
	debit  = "D"
	credit = "C"
)

type line struct {
	account string
	side    string
	minor   int64
}

// entry is one balanced journal entry.
type entry struct {
	id        uuid.UUID
	kind      string
	currency  string
	paymentID uuid.UUID
	refundID  *uuid.UUID
	disputeID *uuid.UUID
	at        time.Time
	lines     []line
}

// pair is the two lines moving minor from the credited account to the debited one.
func pair(debitAcct, creditAcct string, minor int64) []line {
	return []line{{debitAcct, debit, minor}, {creditAcct, credit, minor}}
}

func newEntry(kind string, p *Payment, at time.Time, lines ...line) entry {
	return entry{id: uuid.New(), kind: kind, currency: p.Currency, paymentID: p.ID, at: at, lines: lines}
}

func authorizationEntry(p *Payment, authorized int64, at time.Time) entry {
	return newEntry(kindAuthorization, p, at, pair(acctAuthorizations, acctHolds, authorized)...)
}

// captureEntry moves captured into the provider balance and, when authorized > 0, closes
// the authorization memo (a capture of an earlier authorization).
func captureEntry(p *Payment, authorized, captured int64, at time.Time) entry {
	lines := pair(acctPSP, acctGuestDeposits, captured)
	if authorized > 0 {
		lines = append(pair(acctHolds, acctAuthorizations, authorized), lines...)
	}
	return newEntry(kindCapture, p, at, lines...)
}

func voidEntry(p *Payment, authorized int64, at time.Time) entry {
	return newEntry(kindVoid, p, at, pair(acctHolds, acctAuthorizations, authorized)...)
}

func refundEntry(p *Payment, r *Refund, at time.Time) entry {
	e := newEntry(kindRefund, p, at, pair(acctGuestDeposits, acctPSP, r.AmountMinor)...)
	e.refundID = &r.ID
	return e
}

func commissionEntry(p *Payment, at time.Time) entry {
	return newEntry(kindCommission, p, at, pair(acctCommission, acctPSP, p.AmountMinor)...)
}

func disputeEntry(kind string, p *Payment, d *Dispute, at time.Time) entry {
	var lines []line
	switch kind {
	case kindDisputeOpened:
		lines = pair(acctDisputed, acctPSP, d.AmountMinor)
	case kindDisputeWon:
		lines = pair(acctPSP, acctDisputed, d.AmountMinor)
	case kindDisputeLost:
		lines = pair(acctGuestDeposits, acctDisputed, d.AmountMinor)
	}
	e := newEntry(kind, p, at, lines...)
	e.disputeID = &d.ID
	return e
}

// check refuses an entry that could never be posted: fewer than two lines, a non-positive
// amount, or debits that differ from credits. The database checks the balance again at
// commit (a deferred constraint trigger), this catches it before a round trip.
func (e entry) check() error {
	if len(e.lines) < 2 {
		return fmt.Errorf("ledger: %s entry has %d lines", e.kind, len(e.lines))
	}
	var d, c int64
	for _, l := range e.lines {
		if l.minor <= 0 {
			return fmt.Errorf("ledger: %s entry has a line of %d on %s", e.kind, l.minor, l.account)
		}
		switch l.side {
		case debit:
			d += l.minor
		case credit:
			c += l.minor
		default:
			return fmt.Errorf("ledger: %s entry has side %q", e.kind, l.side)
		}
	}
	if d != c {
		return fmt.Errorf("ledger: %s entry is unbalanced: debits %d, credits %d", e.kind, d, c)
	}
	return nil
}

var errNoEntries = errors.New("ledger: nothing to post")

// postSQL inserts entries and their lines in one statement (one round trip): parallel arrays
// unnested into both tables.
const postSQL = `WITH e AS (
	INSERT INTO payments.journal_entries (id, kind, currency, payment_id, refund_id, dispute_id, occurred_at)
	SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::uuid[], $7::timestamptz[])
)
INSERT INTO payments.journal_lines (entry_id, line_no, account, side, amount_minor)
SELECT * FROM unnest($8::uuid[], $9::int2[], $10::text[], $11::text[], $12::int8[])`

// postTx posts entries inside tx, the transaction of the business change they record.
func postTx(ctx context.Context, tx store.Execer, entries ...entry) error {
	if len(entries) == 0 {
		return errNoEntries
	}
	n := len(entries)
	ids, payIDs := make([]uuid.UUID, n), make([]uuid.UUID, n)
	refIDs, dispIDs := make([]pgtype.UUID, n), make([]pgtype.UUID, n)
	kinds, curs := make([]string, n), make([]string, n)
	ats := make([]time.Time, n)
	var lEntry []uuid.UUID
	var lNo []int16
	var lAcct, lSide []string
	var lMinor []int64
	for i, e := range entries {
		if err := e.check(); err != nil {
			return err
		}
		ids[i], kinds[i], curs[i], payIDs[i], ats[i] = e.id, e.kind, e.currency, e.paymentID, e.at
		if e.refundID != nil {
			refIDs[i] = pgtype.UUID{Bytes: *e.refundID, Valid: true}
		}
		if e.disputeID != nil {
			dispIDs[i] = pgtype.UUID{Bytes: *e.disputeID, Valid: true}
		}
		for j, l := range e.lines {
			lEntry = append(lEntry, e.id)
			lNo = append(lNo, int16(j+1))
			lAcct = append(lAcct, l.account)
			lSide = append(lSide, l.side)
			lMinor = append(lMinor, l.minor)
		}
	}
	if _, err := tx.Exec(ctx, postSQL, ids, kinds, curs, payIDs, refIDs, dispIDs, ats, lEntry, lNo, lAcct, lSide, lMinor); err != nil {
		return fmt.Errorf("post %d journal entries: %w", n, err)
	}
	return nil
}
