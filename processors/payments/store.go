package payments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/novatrek/support/internal/platform/store"
)

// errNotFound is returned by the loaders when no row matches.
var errNotFound = errors.New("not found")

const paymentCols = `id, caller, idempotency_key, request_hash, type, reservation_id, guest_id, partner_id,
	partner_account, currency, amount_minor, authorized_minor, captured_minor, refunded_minor, disputed_minor,
	charged_back_minor, capture, method, payment_method_id, provider, provider_token, provider_reference,
	card_brand, card_last4, status, fraud_decision, fraud_score, fraud_assessment_id, fraud_fallback,
	decline_code, description, correlation_id, created_at, updated_at, authorized_at, captured_at, voided_at`

func collectPayments(rows pgx.Rows, err error) ([]*Payment, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Payment])
}

func onePayment(rows pgx.Rows, err error) (*Payment, error) {
	ps, err := collectPayments(rows, err)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, errNotFound
	}
	return ps[0], nil
}

// getPayment loads a payment; forUpdate locks its row until the transaction ends.
func getPayment(ctx context.Context, q store.DB, id uuid.UUID, forUpdate bool) (*Payment, error) {
	sql := `SELECT ` + paymentCols + ` FROM payments.payments WHERE id = $1`
	if forUpdate {
		sql += ` FOR UPDATE`
	}
	p, err := onePayment(q.Query(ctx, sql, id))
	if err != nil && !errors.Is(err, errNotFound) {
		return nil, fmt.Errorf("load payment %s: %w", id, err)
	}
	return p, err
}

func paymentByKey(ctx context.Context, q store.DB, caller, key string) (*Payment, error) {
	p, err := onePayment(q.Query(ctx, `SELECT `+paymentCols+` FROM payments.payments WHERE caller = $1 AND idempotency_key = $2`, caller, key))
	if err != nil && !errors.Is(err, errNotFound) {
		return nil, fmt.Errorf("load payment by idempotency key: %w", err)
	}
	return p, err
}

func paymentsByReservation(ctx context.Context, q store.DB, reservation uuid.UUID) ([]*Payment, error) {
	ps, err := collectPayments(q.Query(ctx, `SELECT `+paymentCols+` FROM payments.payments WHERE reservation_id = $1 ORDER BY created_at, id`, reservation))
	if err != nil {
		return nil, fmt.Errorf("list payments of reservation %s: %w", reservation, err)
	}
	return ps, nil
}

const insertPaymentSQL = `INSERT INTO payments.payments (` + paymentCols + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
	$24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37)`

// errDuplicateKey is returned by insertPayment when (caller, idempotency_key) exists.
var errDuplicateKey = errors.New("a payment with this idempotency key exists")

func insertPayment(ctx context.Context, q store.DB, p *Payment) error {
	_, err := q.Exec(ctx, insertPaymentSQL, p.ID, p.Caller, p.IdempotencyKey, p.RequestHash, p.Type, p.ReservationID,
		p.GuestID, p.PartnerID, p.PartnerAccount, p.Currency, p.AmountMinor, p.AuthorizedMinor, p.CapturedMinor,
		p.RefundedMinor, p.DisputedMinor, p.ChargedBackMinor, p.Capture, p.Method, p.PaymentMethodID, p.Provider,
		p.ProviderToken, p.ProviderReference, p.CardBrand, p.CardLast4, p.Status, p.FraudDecision, p.FraudScore,
		p.FraudAssessmentID, p.FraudFallback, p.DeclineCode, p.Description, p.CorrelationID, p.CreatedAt,
		p.UpdatedAt, p.AuthorizedAt, p.CapturedAt, p.VoidedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "payments_caller_idempotency_key_key" {
		return errDuplicateKey
	}
	if err != nil {
		return fmt.Errorf("insert payment: %w", err)
	}
	return nil
}

const updatePaymentSQL = `UPDATE payments.payments SET authorized_minor = $3, captured_minor = $4,
	refunded_minor = $5, disputed_minor = $6, charged_back_minor = $7, provider_reference = $8, card_brand = $9,
	card_last4 = $10, status = $11, decline_code = $12, updated_at = $13, authorized_at = $14, captured_at = $15,
	voided_at = $16
WHERE id = $1 AND status = $2`

// updatePayment writes p's mutable columns if the row still has status from; false means
// another request moved it on first (the caller reloads and reports what happened).
func updatePayment(ctx context.Context, q store.DB, p *Payment, from string) (bool, error) {
	tag, err := q.Exec(ctx, updatePaymentSQL, p.ID, from, p.AuthorizedMinor, p.CapturedMinor, p.RefundedMinor,
		p.DisputedMinor, p.ChargedBackMinor, p.ProviderReference, p.CardBrand, p.CardLast4, p.Status, p.DeclineCode,
		p.UpdatedAt, p.AuthorizedAt, p.CapturedAt, p.VoidedAt)
	if err != nil {
		return false, fmt.Errorf("update payment %s: %w", p.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// queueUpdatePayment queues updatePayment's write on b, raising no_data_found (which aborts
// the batch) when the row no longer has status from.
func queueUpdatePayment(b *pgx.Batch, p *Payment, from string) {
	b.Queue(`WITH u AS (`+updatePaymentSQL+` RETURNING 1) SELECT payments.expect_one(count(*)) FROM u`,
		p.ID, from, p.AuthorizedMinor, p.CapturedMinor, p.RefundedMinor, p.DisputedMinor, p.ChargedBackMinor,
		p.ProviderReference, p.CardBrand, p.CardLast4, p.Status, p.DeclineCode, p.UpdatedAt, p.AuthorizedAt,
		p.CapturedAt, p.VoidedAt)
}

// recoveryHorizon bounds how far back the recovery loop looks: a card authorization lapses
// after about 7 days, after which there is nothing left to resume.
const recoveryHorizon = 8 * 24 * time.Hour

// stuckPayments leases up to limit payments left in processing for longer than age (and
// created within recoveryHorizon), so one recovery loop among several instances resumes
// each.
func stuckPayments(ctx context.Context, q store.DB, now time.Time, age time.Duration, limit int) ([]*Payment, error) {
	ps, err := collectPayments(q.Query(ctx, `UPDATE payments.payments SET updated_at = $1
WHERE id IN (SELECT id FROM payments.payments WHERE created_at > $4 AND status = 'processing' AND updated_at < $2
             ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED)
RETURNING `+paymentCols, now, now.Add(-age), limit, now.Add(-recoveryHorizon)))
	if err != nil {
		return nil, fmt.Errorf("lease stuck payments: %w", err)
	}
	return ps, nil
}
