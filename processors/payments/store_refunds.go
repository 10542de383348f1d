package payments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

const refundCols = `id, payment_id, caller, idempotency_key, request_hash, currency, amount_minor, reason,
	policy_evaluation_id, status, provider_reference, failure_reason, correlation_id, causation_id, attempts,
	next_attempt_at, created_at, completed_at`

func oneRefund(rows pgx.Rows, err error) (*Refund, error) {
	if err != nil {
		return nil, err
	}
	rs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Refund])
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, errNotFound
	}
	return rs[0], nil
}

func getRefund(ctx context.Context, q store.DB, id uuid.UUID) (*Refund, error) {
	r, err := oneRefund(q.Query(ctx, `SELECT `+refundCols+` FROM payments.refunds WHERE id = $1`, id))
	if err != nil && !errors.Is(err, errNotFound) {
		return nil, fmt.Errorf("load refund %s: %w", id, err)
	}
	return r, err
}

func refundByKey(ctx context.Context, q store.DB, caller, key string) (*Refund, error) {
	r, err := oneRefund(q.Query(ctx, `SELECT `+refundCols+` FROM payments.refunds WHERE caller = $1 AND idempotency_key = $2`, caller, key))
	if err != nil && !errors.Is(err, errNotFound) {
		return nil, fmt.Errorf("load refund by idempotency key: %w", err)
	}
	return r, err
}

func insertRefund(ctx context.Context, q store.DB, r *Refund) error {
	_, err := q.Exec(ctx, `INSERT INTO payments.refunds (`+refundCols+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		r.ID, r.PaymentID, r.Caller, r.IdempotencyKey, r.RequestHash, r.Currency, r.AmountMinor, r.Reason,
		r.PolicyEvaluationID, r.Status, r.ProviderReference, r.FailureReason, r.CorrelationID, r.CausationID,
		r.Attempts, r.NextAttemptAt, r.CreatedAt, r.CompletedAt)
	if err != nil {
		return fmt.Errorf("insert refund: %w", err)
	}
	return nil
}

// finishRefund moves a pending refund to its final status; false when it was not pending
// any more (another worker finished it).
func finishRefund(ctx context.Context, q store.DB, r *Refund) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE payments.refunds SET status = $2, provider_reference = $3, failure_reason = $4,
	completed_at = $5 WHERE id = $1 AND status = 'pending'`, r.ID, r.Status, r.ProviderReference, r.FailureReason, r.CompletedAt)
	if err != nil {
		return false, fmt.Errorf("finish refund %s: %w", r.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// postponeRefund schedules the next attempt of a pending refund after a transient failure.
func postponeRefund(ctx context.Context, q store.DB, id uuid.UUID, at time.Time) error {
	if _, err := q.Exec(ctx, `UPDATE payments.refunds SET next_attempt_at = $2 WHERE id = $1 AND status = 'pending'`, id, at); err != nil {
		return fmt.Errorf("postpone refund %s: %w", id, err)
	}
	return nil
}

// dueRefunds leases up to limit pending refunds whose next attempt is due: their next
// attempt moves lease ahead, so another instance's worker leaves them alone meanwhile.
func dueRefunds(ctx context.Context, q store.DB, now time.Time, lease time.Duration, limit int) ([]*Refund, error) {
	rows, err := q.Query(ctx, `UPDATE payments.refunds SET next_attempt_at = $2, attempts = attempts + 1
WHERE id IN (SELECT id FROM payments.refunds WHERE status = 'pending' AND next_attempt_at <= $1
             ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
RETURNING `+refundCols, now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("lease due refunds: %w", err)
	}
	rs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Refund])
	if err != nil {
		return nil, fmt.Errorf("lease due refunds: %w", err)
	}
	return rs, nil
}

const evaluationCols = `id, payment_id, reservation_id, trigger, event_id, reason, policy_version, rule,
	departure_date, days_before_departure, refund_percent, currency, captured_minor, refundable_minor,
	policy_minor, requested_minor, decision, evaluated_at`

func insertEvaluation(ctx context.Context, q store.DB, e *Evaluation) error {
	_, err := q.Exec(ctx, `INSERT INTO payments.refund_policy_evaluations (`+evaluationCols+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		e.ID, e.PaymentID, e.ReservationID, e.Trigger, e.EventID, e.Reason, e.PolicyVersion, e.Rule, e.DepartureDate,
		e.DaysBeforeDeparture, e.RefundPercent, e.Currency, e.CapturedMinor, e.RefundableMinor, e.PolicyMinor,
		e.RequestedMinor, e.Decision, e.EvaluatedAt)
	if err != nil {
		return fmt.Errorf("insert refund policy evaluation: %w", err)
	}
	return nil
}
