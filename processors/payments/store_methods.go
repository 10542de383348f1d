package payments

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

const methodCols = `id, guest_id, provider, provider_token, brand, last4, exp_month, exp_year, created_by, created_at`

// saveMethod inserts m, or returns the guest's existing method with the same token
// (created=false).
func saveMethod(ctx context.Context, q store.DB, m *PaymentMethod) (saved *PaymentMethod, created bool, err error) {
	rows, err := q.Query(ctx, `INSERT INTO payments.payment_methods (`+methodCols+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (guest_id, provider, provider_token) DO NOTHING RETURNING `+methodCols,
		m.ID, m.GuestID, m.Provider, m.ProviderToken, m.Brand, m.Last4, m.ExpMonth, m.ExpYear, m.CreatedBy, m.CreatedAt)
	if err != nil {
		return nil, false, fmt.Errorf("save payment method: %w", err)
	}
	ms, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[PaymentMethod])
	if err != nil {
		return nil, false, fmt.Errorf("save payment method: %w", err)
	}
	if len(ms) == 1 {
		return ms[0], true, nil
	}
	rows, err = q.Query(ctx, `SELECT `+methodCols+` FROM payments.payment_methods
WHERE guest_id = $1 AND provider = $2 AND provider_token = $3`, m.GuestID, m.Provider, m.ProviderToken)
	if err != nil {
		return nil, false, fmt.Errorf("load payment method: %w", err)
	}
	ms, err = pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[PaymentMethod])
	if err != nil || len(ms) == 0 {
		return nil, false, fmt.Errorf("load payment method: %w", errors.Join(err, errNotFound))
	}
	return ms[0], false, nil
}

func getMethod(ctx context.Context, q store.DB, id uuid.UUID) (*PaymentMethod, error) {
	rows, err := q.Query(ctx, `SELECT `+methodCols+` FROM payments.payment_methods WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("load payment method: %w", err)
	}
	ms, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[PaymentMethod])
	if err != nil {
		return nil, fmt.Errorf("load payment method: %w", err)
	}
	if len(ms) == 0 {
		return nil, errNotFound
	}
	return ms[0], nil
}

func methodsOf(ctx context.Context, q store.DB, guest uuid.UUID) ([]*PaymentMethod, error) {
	rows, err := q.Query(ctx, `SELECT `+methodCols+` FROM payments.payment_methods WHERE guest_id = $1 ORDER BY created_at, id`, guest)
	if err != nil {
		return nil, fmt.Errorf("list payment methods: %w", err)
	}
	ms, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[PaymentMethod])
	if err != nil {
		return nil, fmt.Errorf("list payment methods: %w", err)
	}
	return ms, nil
}
